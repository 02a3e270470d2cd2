// The documented way to make a breaking API change, on a copy of the repository: the same edit
// that `buf breaking` refuses inside org.users.v1 is accepted as a new package org.users.v2, and
// `pnpm generate` alone publishes it as the subpath `@org/api/org/users/v2`.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRepository, type RepoCopy, repoRoot, run, runOk } from "./helpers.js";

const v1 = "proto/org/users/v1/users.proto";
// A breaking edit: `email` gets another field number.
const breakEmail = (proto: string) => proto.replace("string email = 3;", "string email = 30;");

describe("a breaking change as a new API version", () => {
  let copy: RepoCopy;
  const env = () => ({ PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}` });
  // The root script exactly as a person runs it (`npm run proto:breaking`), so the test sees what they see.
  const script = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts[
    "proto:breaking"
  ];
  const breaking = () => run("bash", ["-c", script ?? "false"], { cwd: copy.dir, env: env() });

  beforeAll(() => {
    copy = copyRepository();
    symlinkSync(join(repoRoot, "node_modules"), join(copy.dir, "node_modules"), "dir");
    symlinkSync(join(repoRoot, "packages/api/node_modules"), join(copy.dir, "packages/api/node_modules"), "dir");
  });
  afterAll(() => copy?.[Symbol.dispose]());

  it("is refused in place, naming the rule", async () => {
    const file = join(copy.dir, v1);
    const original = readFileSync(file, "utf8");
    writeFileSync(file, breakEmail(original));
    try {
      const result = await breaking();
      expect(result.code).not.toBe(0);
      // One line per violation, each naming its rule and where it is.
      expect(result.stdout).toMatch(
        /^proto\/org\/users\/v1\/users\.proto\(\d+,\d+\) : error FIELD_NO_DELETE : Previously present field "3" with name "email"/m,
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it("is accepted as org.users.v2 and published as @org/api/org/users/v2 by `generate` alone", async () => {
    const v2 = breakEmail(readFileSync(join(copy.dir, v1), "utf8")).replaceAll("org.users.v1", "org.users.v2");
    mkdirSync(join(copy.dir, "proto/org/users/v2"), { recursive: true });
    writeFileSync(join(copy.dir, "proto/org/users/v2/users.proto"), v2);
    expect((await breaking()).code).toBe(0);
    await runOk("buf", ["lint"], { cwd: copy.dir, env: env() });

    const api = join(copy.dir, "packages/api");
    await runOk(process.execPath, ["scripts/generate.mjs"], { cwd: api, env: env() });
    const manifest = JSON.parse(readFileSync(join(api, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(["./org/users/v1", "./org/users/v2", "./web/org/users/v2"]));

    await runOk(join(api, "node_modules/.bin/tsup"), [], { cwd: api, env: env() });
    const { stdout } = await runOk(
      process.execPath,
      ["--input-type=module", "-e", "const v2 = await import('@org/api/org/users/v2'); console.log(v2.UsersServiceDefinition.fullName)"],
      { cwd: api },
    );
    expect(stdout.trim()).toBe("org.users.v2.UsersService");
  });
});
