// Publishes the workspace's public packages to a local Verdaccio and consumes them the way a user
// does: `npm install @org/client` in an empty project outside the workspace, tsc, then an ESM and
// a CommonJS program calling a live gRPC server. Also checks what each tarball contains.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Role, UsersServiceDefinition, type UsersServiceImplementation } from "@org/api/org/users/v1";
import { createServer, type Server, ServerError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./helpers/exec.js";
import { type LocalRegistry, startLocalRegistry } from "./helpers/registry.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const bin = (name: string) => join(here, "../node_modules/.bin", name);
const pnpm = join(root, "node_modules/.bin/pnpm");

/** Packages a client install must never pull in: they belong to the server side. */
const serverOnly = ["pino", "prom-client", "jose", "better-sqlite3", "@org/server"];
/** Paths that have no business in a published tarball. */
const forbiddenFiles = [
  /(^|\/)(test|tests|__tests__|fixtures?|__fixtures__)\//,
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /^src\//,
  /(^|\/)tsconfig[^/]*\.json$/,
  /\.tsbuildinfo$/,
  /(^|\/)(vitest|tsup)\.config\./,
  /(^|\/)\.test-results\//,
  /(^|\/)node_modules\//,
];

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

interface Published {
  name: string;
  dir: string;
  tarball: string;
  /** Extracted tarball (the `package/` folder). */
  extracted: string;
  files: string[];
  manifest: Manifest;
  tarballBytes: number;
  unpackedBytes: number;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

// Publishable = every non-private workspace package. api first: the others depend on it.
const workspacePackages = readdirSync(join(root, "packages"))
  .map((d) => join(root, "packages", d))
  .filter((d) => existsSync(join(d, "package.json")))
  .map((dir) => ({ dir, manifest: readJson<Manifest>(join(dir, "package.json")) }));
// RELEASE_TEST_PACKAGES=@org/api narrows the run while developing one package.
const only = process.env.RELEASE_TEST_PACKAGES?.split(",");
const publishable = workspacePackages
  .filter((p) => !p.manifest.private && (!only || only.includes(p.manifest.name)))
  .sort((a, b) => Number(b.manifest.name === "@org/api") - Number(a.manifest.name === "@org/api"));
const hasClient = publishable.some((p) => p.manifest.name === "@org/client");

let registry: LocalRegistry | undefined;
let work = "";
const published = new Map<string, Published>();
let server: Server | undefined;
let target = "";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "org-release-"));
  registry = await startLocalRegistry();
  for (const { dir, manifest } of publishable) {
    if (!existsSync(join(dir, "dist"))) throw new Error(`${manifest.name} is not built (no dist/); run the build first`);
    await run(pnpm, ["publish", "--registry", registry.url, "--no-git-checks"], {
      cwd: dir,
      env: { npm_config_userconfig: registry.npmrc },
    });
    // Inspect what the registry serves, not what we think we sent.
    const packument = (await (await fetch(`${registry.url}${manifest.name.replace("/", "%2f")}`)).json()) as {
      versions: Record<string, { dist: { tarball: string } }>;
    };
    const url = packument.versions[manifest.version]?.dist.tarball;
    if (!url) throw new Error(`${manifest.name}@${manifest.version} not found on the local registry`);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const slug = manifest.name.replace("@", "").replace("/", "-");
    const tarball = join(work, `${slug}-${manifest.version}.tgz`);
    writeFileSync(tarball, bytes);
    const into = join(work, "extracted", slug);
    mkdirSync(into, { recursive: true });
    await run("tar", ["-xzf", tarball, "-C", into], { cwd: work });
    const extracted = join(into, "package");
    const files = walk(extracted).map((f) => relative(extracted, f));
    published.set(manifest.name, {
      name: manifest.name,
      dir,
      tarball,
      extracted,
      files,
      manifest: readJson<Manifest>(join(extracted, "package.json")),
      tarballBytes: bytes.length,
      unpackedBytes: files.reduce((n, f) => n + statSync(join(extracted, f)).size, 0),
    });
  }
  console.table(
    [...published.values()].map((p) => ({
      package: `${p.name}@${p.manifest.version}`,
      "tarball kB": +(p.tarballBytes / 1024).toFixed(1),
      "unpacked kB": +(p.unpackedBytes / 1024).toFixed(1),
      files: p.files.length,
    })),
  );
}, 180_000);

afterAll(async () => {
  await server?.shutdown();
  await registry?.[Symbol.asyncDispose]();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("published tarballs", () => {
  it("publishes @org/api, @org/server and @org/client (every public workspace package)", () => {
    expect([...published.keys()].sort()).toEqual(publishable.map((p) => p.manifest.name).sort());
    expect(published.has("@org/api")).toBe(true);
    if (!only) expect([...published.keys()]).toEqual(expect.arrayContaining(["@org/api", "@org/server", "@org/client"]));
  });

  it("contain only what consumers need: package.json, README and dist", () => {
    for (const p of published.values()) {
      const offending = p.files.filter((f) => forbiddenFiles.some((re) => re.test(f)));
      expect(offending, p.name).toEqual([]);
      expect(p.files, p.name).toContain("package.json");
      expect(p.files, p.name).toContain("README.md");
      expect(
        p.files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(f)),
        p.name,
      ).toEqual([]);
    }
  });

  it("have no workspace: protocol left in package.json; @org dependencies are real versions", () => {
    for (const p of published.values()) {
      expect(readFileSync(join(p.extracted, "package.json"), "utf8"), p.name).not.toContain("workspace:");
      for (const [dep, range] of Object.entries(p.manifest.dependencies ?? {})) {
        if (dep.startsWith("@org/")) expect(range, `${p.name} -> ${dep}`).toMatch(/^[\^~]?\d+\.\d+\.\d+/);
      }
    }
  });

  it("declare every package their built code imports as a dependency (not only a devDependency)", () => {
    for (const p of published.values()) {
      const declared = new Set(
        Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies, ...p.manifest.optionalDependencies }),
      );
      const imported = new Set<string>();
      for (const file of p.files.filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f))) {
        for (const spec of bareImports(readFileSync(join(p.extracted, file), "utf8"))) imported.add(spec);
      }
      const missing = [...imported].filter((name) => name !== p.name && !declared.has(name));
      expect(missing, p.name).toEqual([]);
    }
  });

  it("pass publint --strict", async () => {
    for (const p of published.values()) {
      const { stdout } = await run(bin("publint"), ["run", p.tarball, "--strict"], { cwd: work });
      expect(stdout, p.name).not.toMatch(/error|warning/i);
    }
  });

  it("pass attw (are the types wrong) on the packed tarball", async () => {
    for (const p of published.values()) {
      const { stdout } = await run(bin("attw"), [p.tarball, "--profile", "node16", "--format", "table-flipped"], {
        cwd: work,
      });
      expect(stdout, p.name).toMatch(/No problems found/);
    }
  });
});

describe("a fresh project outside the workspace", () => {
  let project = "";
  const consumerPackage = hasClient ? "@org/client" : "@org/api";

  beforeAll(async () => {
    if (!registry) throw new Error("registry did not start");
    server = createServer();
    server.add(UsersServiceDefinition, usersStub());
    const port = await server.listen("127.0.0.1:0");
    target = `127.0.0.1:${port}`;

    project = join(work, "consumer");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true }, null, 2)}\n`);
    // A plain project: only the registry is configured, nothing from the workspace leaks in.
    writeFileSync(join(project, ".npmrc"), `registry=${registry.url}\n`);
    writeFileSync(join(work, "empty-npmrc"), "");
    const install = hasClient ? ["@org/client"] : ["@org/api", "nice-grpc@2.1.18"];
    await run("npm", ["install", ...install, "--no-audit", "--no-fund", "--prefer-online", "--omit-lockfile-registry-resolved=false"], {
      cwd: project,
      env: { npm_config_userconfig: join(work, "empty-npmrc") },
      cleanNpmConfig: true,
      timeoutMs: 150_000,
    });
    for (const [name, source] of Object.entries(consumerSources(hasClient))) writeFileSync(join(project, name), source);
  }, 180_000);

  it(`npm install ${consumerPackage} resolves it from the local registry`, () => {
    const lock = readJson<{ packages: Record<string, { version?: string; resolved?: string }> }>(join(project, "package-lock.json"));
    const entry = lock.packages[`node_modules/${consumerPackage}`];
    expect(entry?.version).toBe(published.get(consumerPackage)?.manifest.version);
    expect(entry?.resolved).toContain(registry?.url);
  });

  it("pulls in no server-only dependency", () => {
    const installed = installedPackages(join(project, "node_modules"));
    expect(installed).toContain(consumerPackage);
    expect(serverOnly.filter((name) => installed.includes(name))).toEqual([]);
  });

  it("type-checks a TypeScript consumer with tsc (and rejects a wrongly typed call)", async () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(here, "../node_modules/@types")],
        },
        files: ["consumer.mts"],
      }),
    );
    await run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: project });
    // The same program with a number where the id string goes must fail: the types are real, not `any`.
    writeFileSync(join(project, "wrong.mts"), readFileSync(join(project, "consumer.mts"), "utf8").replace('{ id: "u-1" }', "{ id: 1 }"));
    await expect(
      run(
        bin("tsc"),
        [
          "--noEmit",
          "--strict",
          "--module",
          "NodeNext",
          "--skipLibCheck",
          "--typeRoots",
          join(here, "../node_modules/@types"),
          "--types",
          "node",
          "wrong.mts",
        ],
        {
          cwd: project,
        },
      ),
    ).rejects.toThrow(/TS2322/);
  });

  it.each(["consumer.mjs", "consumer.cjs"])("%s calls GetUser on a live server", async (file) => {
    const { stdout } = await run(process.execPath, [file], { cwd: project, env: { TARGET: target } });
    expect(JSON.parse(stdout.trim())).toEqual({ name: "Ada Lovelace", role: Role.ROLE_ADMIN, notFound: true });
  });
});

/** A UsersService that knows one user; every other method is UNIMPLEMENTED. */
function usersStub(): UsersServiceImplementation {
  const impl: Record<string, unknown> = {};
  for (const key of Object.keys(UsersServiceDefinition.methods)) {
    impl[key] = () => {
      throw new ServerError(Status.UNIMPLEMENTED, `${key} is not part of this stub`);
    };
  }
  impl.getUser = async (request: { id: string }) => {
    if (request.id !== "u-1") throw new ServerError(Status.NOT_FOUND, `user ${request.id} not found`);
    return { user: { id: "u-1", name: "Ada Lovelace", email: "ada@example.com", role: Role.ROLE_ADMIN, tags: [], labels: {} } };
  };
  return impl as unknown as UsersServiceImplementation;
}

/** The consumer programs: ESM, CommonJS and TypeScript, through @org/client (or @org/api + nice-grpc before it exists). */
function consumerSources(client: boolean): Record<string, string> {
  const body = (imports: string) =>
    client
      ? `${imports}
const users = createUsersClient({ target: process.env.TARGET });
async function main() {
  try {
    const { user } = await users.getUser({ id: "u-1" }, { deadlineMs: 5000 });
    let notFound = false;
    try {
      await users.getUser({ id: "missing" });
    } catch (error) {
      notFound = isNotFound(error);
    }
    console.log(JSON.stringify({ name: user.name, role: user.role, notFound }));
  } finally {
    users.close();
  }
}
main().catch((error) => { console.error(error); process.exitCode = 1; });
`
      : `${imports}
const channel = createChannel(process.env.TARGET);
const users = createClient(UsersServiceDefinition, channel);
async function main() {
  try {
    const { user } = await users.getUser({ id: "u-1" });
    let notFound = false;
    try {
      await users.getUser({ id: "missing" });
    } catch (error) {
      notFound = error instanceof ClientError && error.code === Status.NOT_FOUND;
    }
    console.log(JSON.stringify({ name: user.name, role: user.role, notFound }));
  } finally {
    channel.close();
  }
}
main().catch((error) => { console.error(error); process.exitCode = 1; });
`;
  if (client) {
    return {
      "consumer.mjs": body('import { createUsersClient, isNotFound } from "@org/client";'),
      "consumer.cjs": body('const { createUsersClient, isNotFound } = require("@org/client");'),
      "consumer.mts": `import { createUsersClient, isNotFound, type ClientOptions } from "@org/client";

const options: ClientOptions = { target: process.env.TARGET ?? "127.0.0.1:50051", deadlineMs: 5000 };
const users = createUsersClient(options);
export async function nameOf(): Promise<string | undefined> {
  try {
    const { user } = await users.getUser({ id: "u-1" });
    const name: string | undefined = user?.name;
    return name;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  } finally {
    users.close();
  }
}
`,
    };
  }
  return {
    "consumer.mjs": body(
      'import { createChannel, createClient, ClientError, Status } from "nice-grpc";\nimport { UsersServiceDefinition } from "@org/api/org/users/v1";',
    ),
    "consumer.cjs": body(
      'const { createChannel, createClient, ClientError, Status } = require("nice-grpc");\nconst { UsersServiceDefinition } = require("@org/api/org/users/v1");',
    ),
    "consumer.mts": `import { createChannel, createClient, ClientError, Status } from "nice-grpc";
import { UsersServiceDefinition, type User } from "@org/api/org/users/v1";

const channel = createChannel(process.env.TARGET ?? "127.0.0.1:50051");
const users = createClient(UsersServiceDefinition, channel);
export async function nameOf(): Promise<string | undefined> {
  try {
    const { user } = await users.getUser({ id: "u-1" });
    const found: User | undefined = user;
    return found?.name;
  } catch (error) {
    if (error instanceof ClientError && error.code === Status.NOT_FOUND) return undefined;
    throw error;
  } finally {
    channel.close();
  }
}
`,
  };
}

/** Bare module specifiers (package names) a built file imports or requires, builtins excluded. */
function bareImports(source: string): string[] {
  const specs = [
    ...source.matchAll(/\bfrom\s*["']([^"']+)["']/g),
    ...source.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...source.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...source.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
  ].map((m) => m[1] as string);
  return specs
    .filter((s) => !s.startsWith(".") && !s.startsWith("/") && !isBuiltin(s))
    .map((s) =>
      s
        .split("/")
        .slice(0, s.startsWith("@") ? 2 : 1)
        .join("/"),
    );
}

/** Names of every package under a node_modules folder, nested ones included. */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  if (!existsSync(nodeModules)) return names;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const dirs = entry.startsWith("@")
      ? readdirSync(join(nodeModules, entry)).map((s) => join(nodeModules, entry, s))
      : [join(nodeModules, entry)];
    for (const dir of dirs) {
      if (existsSync(join(dir, "package.json"))) names.push(readJson<Manifest>(join(dir, "package.json")).name);
      names.push(...installedPackages(join(dir, "node_modules")));
    }
  }
  return names;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
