// Proves the `buf breaking` gate: a copy of the contract with a breaking change, checked
// against the committed release baseline, fails and names the rule.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const pkg = resolve(import.meta.dirname, "..");
const root = resolve(pkg, "../..");
const buf = join(pkg, "node_modules/.bin/buf");
const baseline = join(pkg, "released/image.json");
const protoFile = "proto/org/users/v1/users.proto";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function breakingWith(edit: (proto: string) => string) {
  dir = await mkdtemp(join(tmpdir(), "buf-breaking-"));
  await cp(join(root, "proto"), join(dir, "proto"), { recursive: true });
  await cp(join(root, "buf.yaml"), join(dir, "buf.yaml"));
  const file = join(dir, protoFile);
  const before = await readFile(file, "utf8");
  const after = edit(before);
  expect(after).not.toBe(before);
  await writeFile(file, after);
  try {
    await run(buf, ["breaking", "--against", baseline, "--error-format", "json"], { cwd: dir });
    return { failed: false, rules: [] as string[] };
  } catch (err) {
    const stdout = (err as { stdout: string }).stdout;
    const rules = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { type: string }).type);
    return { failed: true, rules };
  }
}

describe("buf breaking against the released API", () => {
  it("passes for the committed contract", async () => {
    const result = await breakingWith((p) => `${p}\n// a comment is not a breaking change\n`);
    expect(result).toEqual({ failed: false, rules: [] });
  });

  it("fails on a changed field number", async () => {
    const result = await breakingWith((p) => p.replace("string email = 3;", "string email = 13;"));
    expect(result.failed).toBe(true);
    expect(result.rules).toContain("FIELD_NO_DELETE");
  });

  it("fails on a removed field", async () => {
    const result = await breakingWith((p) => p.replace("  int64 login_count = 12;\n", ""));
    expect(result.failed).toBe(true);
    expect(result.rules).toContain("FIELD_NO_DELETE");
  });

  it("fails on a changed type", async () => {
    const result = await breakingWith((p) => p.replace("int64 login_count = 12;", "string login_count = 12;"));
    expect(result.failed).toBe(true);
    expect(result.rules).toContain("FIELD_SAME_TYPE");
  });
});
