// No Docker engine runs here, so the image's build is proved step by step instead: the build
// context is what .dockerignore lets through from this working tree (which holds the host's
// node_modules, builds and data, as a developer's does), and the build stage's RUN steps after
// `COPY . .` run in a copy of that context, exactly as the Dockerfile writes them. The folder
// `pnpm deploy` leaves (the runtime stage's /app) then starts the service and answers the CLI.
// Not checked here: the base image, the apt-get toolchain step, the non-root user and volume
// (the Dockerfile's shape tests in deploy.test.ts cover those lines).
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../..");
// The system's PATH as a Docker build has it: without the node_modules/.bin folders (relative or not)
// that npx and pnpm add for this test run.
const hostPath = (process.env.PATH ?? "")
  .split(":")
  .filter((dir) => dir.startsWith("/") && !dir.includes("node_modules"))
  .join(":");
const dockerfile = readFileSync(join(repoRoot, "packages/users-service/deploy/Dockerfile"), "utf8");

/** .dockerignore patterns as regular expressions over slash-separated paths from the context root. */
function ignorePatterns(): RegExp[] {
  return readFileSync(join(repoRoot, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((pattern) => {
      if (pattern.startsWith("!")) throw new Error(`exceptions (${pattern}) are not handled by this test`);
      const source = pattern
        .replace(/^\/+/, "")
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => {
          if (part === "**/") return "(?:.*/)?";
          if (part === "**") return ".*";
          if (part === "*") return "[^/]*";
          if (part === "?") return "[^/]";
          return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
        })
        .join("");
      return new RegExp(`^${source}$`);
    });
}

/** The files Docker would send: every path under the root that no pattern excludes (nor a parent). */
function buildContext(root: string, patterns: RegExp[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (patterns.some((p) => p.test(rel))) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(rel);
    }
  };
  walk(root);
  return files;
}

/** The build stage's RUN commands after `COPY . .`, up to the stage that ends the build. */
function buildSteps(): string[] {
  const joined = dockerfile.replace(/\\\n/g, " ");
  const stage = joined.slice(joined.indexOf("COPY . ."), joined.indexOf("AS runtime"));
  return stage
    .split("\n")
    .filter((line) => line.startsWith("RUN "))
    .map((line) => line.slice(4).trim());
}

describe("the Dockerfile's build, run outside Docker", () => {
  const work = mkdtempSync(join(tmpdir(), "users-image-"));
  const context = join(work, "repo");
  const out = join(work, "out");
  let files: string[] = [];
  let service: ReturnType<typeof spawn> | undefined;

  beforeAll(() => {
    files = buildContext(repoRoot, ignorePatterns());
    for (const file of files) cpSync(join(repoRoot, file), join(context, file));
  });
  afterAll(() => {
    service?.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  });

  it("sends a context without the host's node_modules, builds, data or git", () => {
    expect(files).toContain("pnpm-lock.yaml");
    expect(files).toContain("packages/users-service/src/main.ts");
    const leaked = files.filter((f) => /(^|\/)(node_modules|dist|\.turbo|\.test-results|\.git)(\/|$)|^packages\/[^/]+\/data\//.test(f));
    expect(leaked).toEqual([]);
    // The tree really had them to leave out (a developer's checkout after `npm test`).
    expect(existsSync(join(repoRoot, "node_modules"))).toBe(true);
    expect(existsSync(join(repoRoot, "packages/users-service/dist/main.js"))).toBe(true);
  });

  it("installs, builds and deploys with the Dockerfile's own commands", { timeout: 600_000 }, async () => {
    const steps = buildSteps();
    expect(steps).toEqual([
      "pnpm install --frozen-lockfile",
      "pnpm run build --filter=@org/users-service...",
      "pnpm --filter @org/users-service deploy --legacy --prod /out",
    ]);
    // The pnpm the image installs globally is the workspace's pinned one.
    const pinned = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { packageManager: string }).packageManager;
    expect(dockerfile).toContain(`npm install --global ${pinned}`);
    // `npm install --global pnpm`: a bin folder with pnpm alone on PATH (nothing else of the host's).
    const pnpmBin = join(work, "global-bin");
    mkdirSync(pnpmBin);
    symlinkSync(join(repoRoot, "node_modules/pnpm/bin/pnpm.cjs"), join(pnpmBin, "pnpm"));
    for (const step of steps) {
      await exec("bash", ["-c", step.replace(/ \/out$/, ` ${out}`)], {
        cwd: context,
        env: { PATH: `${pnpmBin}:${hostPath}`, HOME: process.env.HOME ?? "/root", CI: "true", TURBO_TELEMETRY_DISABLED: "1" },
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    expect(existsSync(join(out, "dist/main.js"))).toBe(true);
    // Production dependencies only: no test runner, no bundler.
    expect(existsSync(join(out, "node_modules/vitest"))).toBe(false);
    expect(existsSync(join(out, "node_modules/tsup"))).toBe(false);
  });

  it("the deployed folder starts the service (the runtime stage's CMD) and serves the CLI", { timeout: 60_000 }, async () => {
    expect(existsSync(join(out, "dist/main.js"))).toBe(true);
    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: out,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", GRPC_LISTEN: "127.0.0.1:0", USERS_DB: join(work, "users.db") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    service = child;
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error("the deployed service did not start in 30 s")), 30_000);
      let buffer = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const line of buffer.split("\n")) {
          if (line.includes('"grpc server listening"')) {
            clearTimeout(timer);
            resolvePort((JSON.parse(line) as { port: number }).port);
          }
        }
      });
      child.once("exit", (code) => reject(new Error(`the deployed service exited with ${code}`)));
    });
    const cli = (...args: string[]) =>
      exec(process.execPath, ["dist/cli.js", "--target", `127.0.0.1:${port}`, ...args], {
        cwd: out,
        env: { PATH: process.env.PATH ?? "" },
      });
    const created = await cli("create", "--name", "Ada", "--email", "ada@example.com");
    expect(created.stdout).toContain("ada@example.com");
    child.kill("SIGTERM");
    expect(await new Promise((r) => child.once("exit", (code) => r(code)))).toBe(0);
  });
});
