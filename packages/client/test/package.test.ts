// Installs the packed @org/api, @org/client-core and @org/client tarballs with plain npm into a fresh project outside
// the workspace, type-checks a consumer (the README's quick start), and runs ESM and CommonJS
// scripts against a live server.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ServerError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUsersServer, type TestServer, user } from "./support/users-server.js";

const run = promisify(execFile);
const pkg = resolve(import.meta.dirname, "..");
const root = resolve(pkg, "../..");
const pnpm = join(root, "node_modules/.bin/pnpm");
const tsc = join(pkg, "node_modules/.bin/tsc");

/** The consumer's own OpenTelemetry API, newer than the one the client is built against. */
const CONSUMER_OTEL_API = "1.10.0";
const SERVER_ONLY = ["pino", "prom-client", "jose", "better-sqlite3", "sqlite3", "@org/server"];

let dir: string;
let server: TestServer;
const env = () => ({ ...process.env, USERS_TARGET: server.address });

beforeAll(async () => {
  for (const p of ["api", "client-core", "client"]) {
    if (!existsSync(join(root, "packages", p, "dist"))) throw new Error(`build @org/${p} first (pnpm build)`);
  }
  dir = await mkdtemp(join(tmpdir(), "org-client-consumer-"));
  for (const p of ["api", "client-core", "client"])
    await run(pnpm, ["pack", "--pack-destination", dir], { cwd: join(root, "packages", p) });
  const tarballs = (await readdir(dir)).filter((f) => f.endsWith(".tgz")).map((f) => `./${f}`);
  expect(tarballs).toHaveLength(3);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...tarballs,
      "@types/node@20.19.43",
      `@opentelemetry/api@${CONSUMER_OTEL_API}`,
    ],
    {
      cwd: dir,
      env: { ...process.env, npm_config_engine_strict: "true" },
    },
  );

  let created = 0;
  server = await startUsersServer({
    async getUser(req, { trailer }) {
      trailer.set("x-request-id", `rid-${req.id}`);
      if (req.id !== "u1") throw new ServerError(Status.NOT_FOUND, `user ${req.id} not found`);
      return { user: { ...user("u1"), name: "Ada" } };
    },
    async createUser(req) {
      created++;
      if (req.requestId === "") throw new ServerError(Status.INVALID_ARGUMENT, "request_id missing");
      return { user: { ...user("u1"), name: req.user?.name ?? "" } };
    },
    async *streamUsers() {
      yield { user: user("u1") };
      yield { user: user("u2") };
    },
  });
  expect(created).toBe(0);
}, 180_000);

afterAll(async () => {
  server?.server.forceShutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the published package", () => {
  it("ships no server-only dependency", async () => {
    const manifest = JSON.parse(await readFile(join(dir, "node_modules/@org/client/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies["@org/api"]).toBe("^0.1.0");
    for (const name of SERVER_ONLY) {
      expect(manifest.dependencies).not.toHaveProperty(name);
      expect(existsSync(join(dir, "node_modules", name))).toBe(false);
    }
    expect(Object.values(manifest.dependencies).some((v) => v.startsWith("workspace:"))).toBe(false);
  });

  it("uses the consumer's @opentelemetry/api (a peer dependency), never a second copy", async () => {
    const manifest = JSON.parse(await readFile(join(dir, "node_modules/@org/client/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(manifest.dependencies).not.toHaveProperty("@opentelemetry/api");
    expect(manifest.peerDependencies["@opentelemetry/api"]).toBe("^1.9.0");
    const copies = await otelApiCopies(join(dir, "node_modules"));
    expect(copies).toEqual([CONSUMER_OTEL_API]);
    // Client spans are our own (src/middleware/attempt-span.ts): no semantic-conventions (9.7 MB).
    expect(existsSync(join(dir, "node_modules/@opentelemetry/semantic-conventions"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/nice-grpc-opentelemetry"))).toBe(false);
    // The install a consumer pays for (printed for the record; the issue 16 note quotes it).
    const { stdout } = await run("du", ["-sk", join(dir, "node_modules")]);
    const packages = (await run("npm", ["ls", "--all", "--parseable"], { cwd: dir })).stdout.trim().split("\n").length - 1;
    console.log(`consumer install: ${Math.round(Number(stdout.split("\t")[0]) / 1024)} MB, ${packages} packages`);
  });

  it("type-checks and runs the README quick start (ESM, TypeScript)", async () => {
    const readme = await readFile(join(pkg, "README.md"), "utf8");
    const quickStart = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(quickStart).toBeDefined();
    await writeFile(join(dir, "consumer.ts"), quickStart as string);
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          types: ["node"],
          outDir: "out",
        },
        files: ["consumer.ts"],
      }),
    );
    await run(tsc, ["-p", "."], { cwd: dir });
    const { stdout } = await run("node", ["out/consumer.js"], { cwd: dir, env: env() });
    expect(stdout.trim().split("\n")).toEqual(["found Ada", "streamed u1", "streamed u2", "not found (request id rid-does-not-exist)"]);
  });

  it("rejects a consumer that misuses the types", async () => {
    await writeFile(
      join(dir, "wrong.ts"),
      'import { createUsersClient } from "@org/client";\nconst c = createUsersClient({ target: "localhost:1" });\nvoid c.getUser({ id: 42 });\n',
    );
    const failed = await run(tsc, ["--noEmit", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--strict", "wrong.ts"], {
      cwd: dir,
    }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    expect(failed).toMatch(/wrong\.ts.*TS2322/);
  });

  it("runs from an ES module and from CommonJS", async () => {
    const body = (load: string) => `${load}
const users = createUsersClient({ target: process.env.USERS_TARGET });
users.getUser({ id: "u1" })
  .then(({ user }) => users.getUser({ id: "nope" }).catch((e) => [user.name, e instanceof CallError, isNotFound(e), e.code === Status.NOT_FOUND, e.requestId]))
  .then((r) => { console.log(JSON.stringify(r)); users.close(); });
`;
    await writeFile(join(dir, "esm.mjs"), body('import { createUsersClient, CallError, isNotFound, Status } from "@org/client";'));
    await writeFile(join(dir, "cjs.cjs"), body('const { createUsersClient, CallError, isNotFound, Status } = require("@org/client");'));
    for (const file of ["esm.mjs", "cjs.cjs"]) {
      const { stdout } = await run("node", [file], { cwd: dir, env: env() });
      expect(JSON.parse(stdout)).toEqual(["Ada", true, true, true, "rid-nope"]);
    }
  });
});

/** Versions of every installed copy of @opentelemetry/api under `modules`, nested ones included. */
async function otelApiCopies(modules: string): Promise<string[]> {
  const versions: string[] = [];
  const visit = async (nodeModules: string): Promise<void> => {
    const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const scoped = entry.name.startsWith("@");
      const packages = scoped ? (await readdir(join(nodeModules, entry.name))).map((n) => join(entry.name, n)) : [entry.name];
      for (const name of packages) {
        if (name === "@opentelemetry/api") {
          versions.push((JSON.parse(await readFile(join(nodeModules, name, "package.json"), "utf8")) as { version: string }).version);
        }
        await visit(join(nodeModules, name, "node_modules"));
      }
    }
  };
  await visit(modules);
  return versions.sort();
}
