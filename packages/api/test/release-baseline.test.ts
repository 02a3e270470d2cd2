// The `buf breaking` baseline belongs to a release: released/release.json names the version it was
// recorded for, and it must be this package's version. A version bump without a new baseline (or a
// baseline moved without a release) fails here; `pnpm release:version` does both in one step.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const pkg = resolve(import.meta.dirname, "..");
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(pkg, file), "utf8")) as T;

describe("released API baseline", () => {
  it("was recorded for the version this package is at", () => {
    const manifest = readJson<{ name: string; version: string }>("package.json");
    expect(readJson<{ package: string; version: string }>("released/release.json")).toEqual({
      package: manifest.name,
      version: manifest.version,
    });
  });

  it("holds every proto file of the API, imports included", () => {
    const image = readJson<{ file: { name: string }[] }>("released/image.json");
    const names = image.file.map((f) => f.name);
    expect(names).toContain("org/users/v1/users.proto");
    expect(names).toContain("google/protobuf/field_mask.proto");
  });
});
