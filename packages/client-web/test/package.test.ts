// Installs the packed @org/api, @org/client-core and @org/client-web tarballs with plain npm into a
// fresh project outside the workspace: nothing Node-only comes along (no grpc-js), a consumer
// type-checks (and one calling a client-streaming method does not), and ESM and CommonJS scripts
// call a live gRPC-Web server.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebTestServer } from "./support/web-server.js";

const run = promisify(execFile);
const pkg = resolve(import.meta.dirname, "..");
const root = resolve(pkg, "../..");
const pnpm = join(root, "node_modules/.bin/pnpm");
const tsc = join(pkg, "node_modules/.bin/tsc");
const PACKAGES = ["api", "client-core", "client-web"];

let dir: string;
let server: WebTestServer;

beforeAll(async () => {
  for (const p of PACKAGES) {
    if (!existsSync(join(root, "packages", p, "dist"))) throw new Error(`build @org/${p} first (pnpm build)`);
  }
  dir = await mkdtemp(join(tmpdir(), "org-client-web-consumer-"));
  for (const p of PACKAGES) await run(pnpm, ["pack", "--pack-destination", dir], { cwd: join(root, "packages", p) });
  const tarballs = (await readdir(dir)).filter((f) => f.endsWith(".tgz")).map((f) => `./${f}`);
  expect(tarballs).toHaveLength(3);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, "typescript@5.9.3"], {
    cwd: dir,
    env: { ...process.env, npm_config_engine_strict: "true" },
  });
  server = await startWebServer({ getUser: async (req: { id: string }) => ({ user: { id: req.id, name: "Ada" } }) });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the published package", () => {
  it("brings no grpc-js, no server-side package and no third-party transport", () => {
    for (const name of ["@grpc/grpc-js", "nice-grpc", "@org/client", "@org/server"]) {
      expect(existsSync(join(dir, "node_modules", name)), name).toBe(false);
    }
    // The fetch transport is our own (README, "Why our own transport").
    for (const name of ["nice-grpc-web", "abort-controller-x", "js-base64", "isomorphic-ws"]) {
      expect(existsSync(join(dir, "node_modules", name)), name).toBe(false);
    }
  });

  it("type-checks a consumer, and refuses a call to a client-streaming method", async () => {
    const consumer = `import { createUsersWebClient, isNotFound } from "@org/client-web";
const users = createUsersWebClient({ baseUrl: "http://127.0.0.1:1" });
export async function name(id: string): Promise<string> {
  try {
    return (await users.getUser({ id })).user?.name ?? "";
  } catch (error) {
    return isNotFound(error) ? \`none (\${error.requestId})\` : "";
  }
}
`;
    await writeFile(join(dir, "consumer.ts"), consumer);
    await writeFile(join(dir, "wrong.ts"), `${consumer}void users.bulkCreateUsers([]);\n`);
    const flags = ["--noEmit", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--strict", "--lib", "ES2022,DOM"];
    await run(tsc, [...flags, "consumer.ts"], { cwd: dir });
    const failed = await run(tsc, [...flags, "wrong.ts"], { cwd: dir }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    expect(failed).toMatch(/wrong\.ts.*bulkCreateUsers/);
  }, 90_000);

  it("runs from an ES module and from CommonJS", async () => {
    const body = (load: string) => `${load}
const users = createUsersWebClient({ baseUrl: process.env.BASE_URL });
users.getUser({ id: "u1" }).then(({ user }) => console.log(user.name));
`;
    await writeFile(join(dir, "consumer.mjs"), body('import { createUsersWebClient } from "@org/client-web";'));
    await writeFile(join(dir, "consumer.cjs"), body('const { createUsersWebClient } = require("@org/client-web");'));
    const env = { ...process.env, BASE_URL: server.baseUrl };
    for (const file of ["consumer.mjs", "consumer.cjs"]) {
      const { stdout } = await run("node", [file], { cwd: dir, env });
      expect(stdout.trim(), file).toBe("Ada");
    }
  }, 60_000);
});
