// Adding a field is a compatible change (`buf breaking` agrees), so it must not break our build
// either (issue 16, point 3). On a copy of the repository: add a field of every kind to `User`,
// regenerate, build the packages that build users, and typecheck the code that builds them.
import { cpSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRepository, type RepoCopy, repoRoot, runOk } from "./helpers.js";

const proto = "proto/org/users/v1/users.proto";
// Field numbers 13 to 17 are the next free ones after `login_count = 12` (5 is reserved).
const addedFields = [
  "  string locale = 13;",
  "  google.protobuf.Timestamp last_seen_time = 14;",
  "  repeated string groups = 15;",
  "  map<string, string> attributes = 16;",
  "  Tier tier = 17;",
].join("\n");
const addedEnum = "\n// A billing tier.\nenum Tier {\n  TIER_UNSPECIFIED = 0;\n  TIER_FREE = 1;\n  TIER_PAID = 2;\n}\n";

// In build order: each package's @org dependencies come before it.
const packages = [
  "api",
  "client-core",
  "server",
  "client",
  "client-web",
  "testing",
  "test-postgres",
  "users-console",
  "users-service",
  "bench",
] as const;

describe("a field added to User", () => {
  let copy: RepoCopy;
  const env = () => ({ PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}` });
  const dir = (name: string) => join(copy.dir, "packages", name);
  const bin = (name: string, tool: string) => join(dir(name), "node_modules/.bin", tool);

  beforeAll(() => {
    copy = copyRepository();
    symlinkSync(join(repoRoot, "node_modules"), join(copy.dir, "node_modules"), "dir");
    // pnpm's links are relative (`@org/api -> ../../../api`), so copied as links they resolve
    // inside the copy: the packages see the copy's regenerated @org/api, not this repository's.
    for (const name of packages) {
      cpSync(join(repoRoot, "packages", name, "node_modules"), join(dir(name), "node_modules"), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
  });
  afterAll(() => copy?.[Symbol.dispose]());

  it("of each kind (scalar, message, repeated, map, enum) still generates, builds and typechecks", async () => {
    const file = join(copy.dir, proto);
    const original = readFileSync(file, "utf8");
    const edited = original.replace("  int64 login_count = 12;\n}\n", `  int64 login_count = 12;\n${addedFields}\n}\n${addedEnum}`);
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);

    await runOk(process.execPath, ["scripts/generate.mjs"], { cwd: dir("api"), env: env() });
    const generated = readFileSync(join(dir("api"), "src/gen/org/users/v1/users.ts"), "utf8");
    // The fields are really there, so the checks below see them.
    for (const field of [
      "locale: string",
      "lastSeenTime?: Date | undefined",
      "groups: string[]",
      "attributes: { [key: string]: string }",
      "tier: Tier",
    ]) {
      expect(generated).toContain(field);
    }

    await runOk(bin("api", "tsup"), [], { cwd: dir("api"), env: env() });
    // client-core reads status details with @org/api's wire reader.
    await Promise.all([
      runOk(bin("client-core", "tsup"), [], { cwd: dir("client-core"), env: env() }),
      runOk(bin("server", "tsup"), [], { cwd: dir("server"), env: env() }),
    ]);
    await Promise.all([
      runOk(bin("client", "tsup"), [], { cwd: dir("client"), env: env() }),
      runOk(bin("client-web", "tsup"), [], { cwd: dir("client-web"), env: env() }),
      runOk(bin("api", "tsc"), ["--noEmit"], { cwd: dir("api"), env: env() }),
    ]);
    await Promise.all([
      runOk(bin("testing", "tsup"), [], { cwd: dir("testing"), env: env() }),
      runOk(bin("test-postgres", "tsc"), ["-p", "tsconfig.build.json"], { cwd: dir("test-postgres"), env: env() }),
      // The console a users-service serves: its page is built on @org/client-web and @org/api.
      runOk(bin("users-console", "tsup"), [], { cwd: dir("users-console"), env: env() }).then(() =>
        runOk(process.execPath, ["scripts/bundle-app.mjs"], { cwd: dir("users-console"), env: env() }),
      ),
    ]);
    await Promise.all([
      runOk(bin("users-service", "tsup"), [], { cwd: dir("users-service"), env: env() }),
      runOk(bin("users-service", "tsc"), ["--noEmit"], { cwd: dir("users-service"), env: env() }),
      runOk(bin("users-console", "tsc"), ["--noEmit"], { cwd: dir("users-console"), env: env() }),
      runOk(bin("bench", "tsc"), ["-p", "tsconfig.build.json"], { cwd: dir("bench"), env: env() }),
      runOk(bin("bench", "tsc"), ["--noEmit"], { cwd: dir("bench"), env: env() }),
    ]);
  });
});
