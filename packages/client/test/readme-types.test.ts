// The README's "Types you will meet" example runs as written and prints what it promises.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const example = join(import.meta.dirname, ".readme-types.generated.ts");
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(example, { force: true });
});

describe("README: Types you will meet", () => {
  it("shows int64 as bigint through toJSON/fromJSON and the $case form of oneofs", async () => {
    const readme = await readFile(join(import.meta.dirname, "../README.md"), "utf8");
    const code = /## Types you will meet[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    await writeFile(example, code as string);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    await import(example);
    expect(lines).toEqual([
      '{"id":"u1","name":"Ada","createTime":"2024-03-01T09:30:00.000Z","loginCount":"1152921504606846976"}',
      "true",
      "delete u1",
    ]);
  });

  it("is right that JSON.stringify throws on a bigint field", async () => {
    const { User } = await import("@org/api/org/users/v1");
    expect(() => JSON.stringify(User.fromPartial({ loginCount: 1n }))).toThrow(TypeError);
  });
});
