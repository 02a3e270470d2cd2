// The scope rename an adopting team runs once (`pnpm rename-scope @acme`), exercised on a copy of
// this repository: nothing of the old scope is left, and the renamed workspace still installs from
// its frozen lockfile, builds and type-checks.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRepository, type RepoCopy, repoRoot, rootBin, run, runOk } from "./helpers.js";

const script = join(repoRoot, "packages/tooling/bin/rename-scope.mjs");
const oldScope = /@org(?![\w-])/;

describe("rename-scope on a copy of the repository", () => {
  let copy: RepoCopy;
  let output = "";

  beforeAll(async () => {
    copy = copyRepository();
    ({ stdout: output } = await runOk(process.execPath, [script, "@acme", "--root", copy.dir], { cwd: copy.dir }));
  });
  afterAll(() => copy?.[Symbol.dispose]());

  it("renames every occurrence of the scope, and says how many", () => {
    const left = listFiles(copy.dir).filter((f) => oldScope.test(readFileSync(join(copy.dir, f), "utf8")));
    expect(left).toEqual([]);
    expect(output).toMatch(/renamed @org → @acme: \d+ occurrences in \d+ files/);
  });

  it("renames every workspace package, the fixed release group and the lockfile", () => {
    const names = readdirSync(join(copy.dir, "packages")).map(
      (d) => (JSON.parse(readFileSync(join(copy.dir, "packages", d, "package.json"), "utf8")) as { name: string }).name,
    );
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect(name).toMatch(/^@acme\//);
    const changesets = JSON.parse(readFileSync(join(copy.dir, ".changeset/config.json"), "utf8")) as { fixed: string[][] };
    const original = JSON.parse(readFileSync(join(repoRoot, ".changeset/config.json"), "utf8")) as { fixed: string[][] };
    expect(original.fixed[0]).toContain("@org/api");
    expect(changesets.fixed).toEqual(original.fixed.map((group) => group.map((name) => name.replace(/^@org\//, "@acme/"))));
    expect(readFileSync(join(copy.dir, "pnpm-lock.yaml"), "utf8")).toContain("'@acme/api':");
  });

  it("leaves the protobuf packages alone: they are the wire contract", () => {
    const proto = readFileSync(join(copy.dir, "proto/org/users/v1/users.proto"), "utf8");
    expect(proto).toMatch(/^package org\.users\.v1;$/m);
  });

  it("leaves a workspace that installs from its frozen lockfile, builds and type-checks", async () => {
    const pnpm = rootBin("pnpm");
    const env = { CI: "true", npm_config_offline: "true" };
    await runOk(pnpm, ["install", "--frozen-lockfile", "--offline", "--filter", "@acme/client..."], {
      cwd: copy.dir,
      env,
      timeoutMs: 150_000,
    });
    await runOk(pnpm, ["--filter", "@acme/client...", "run", "build"], { cwd: copy.dir, env });
    await runOk(pnpm, ["--filter", "@acme/client", "run", "typecheck"], { cwd: copy.dir, env });
    // The built client loads under its new name (package self-reference through `exports`).
    const { stdout } = await runOk(
      process.execPath,
      ["--input-type=module", "-e", "const m = await import('@acme/client'); console.log(typeof m.createUsersClient)"],
      { cwd: join(copy.dir, "packages/client") },
    );
    expect(stdout.trim()).toBe("function");
  });
});

describe("rename-scope arguments", () => {
  it("refuses something that is not an npm scope, saying what it expected", async () => {
    const result = await run(process.execPath, [script, "Acme Corp", "--root", repoRoot], { cwd: repoRoot });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/must be an npm scope like @acme/);
  });

  it("--dry-run lists what would change and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rename-dry-"));
    try {
      const manifest = `${JSON.stringify({ name: "@org/thing", dependencies: { "@org-tools/x": "1.0.0", "@organisation/y": "1.0.0" } })}\n`;
      writeFileSync(join(dir, "package.json"), manifest);
      const { stdout } = await runOk(process.execPath, [script, "@acme", "--dry-run", "--root", dir], { cwd: dir });
      // Only the whole scope matches: not @org-tools, not @organisation.
      expect(stdout).toContain("would rename @org → @acme: 1 occurrences in 1 files");
      expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(manifest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return ["node_modules", ".git", "dist", ".turbo"].includes(e.name) ? [] : listFiles(dir, rel);
    const bytes = readFileSync(join(dir, rel));
    return bytes.includes(0) ? [] : [rel];
  });
}
