// Cutting a release, on a copy of the repository: `pnpm release:version` (the root script, run
// as written) turns pending changesets into one version for the fixed group @org/api, @org/client
// and @org/server, writes each package's changelog, leaves private packages alone, and moves the
// `buf breaking` baseline to the released API in the same step.
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRepository, type RepoCopy, repoRoot, runOk } from "./helpers.js";

const publicPackages = ["api", "client", "server"];
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

describe("pnpm release:version on a copy of the repository", () => {
  let copy: RepoCopy;
  const versionBefore = readJson<{ version: string }>(join(repoRoot, "packages/api/package.json")).version;
  const privateBefore = readJson<{ version: string }>(join(repoRoot, "packages/users-service/package.json")).version;
  const expected = minorBump(versionBefore);

  beforeAll(async () => {
    copy = copyRepository();
    // The tools come from this checkout's install (changesets, buf); nothing is installed in the copy.
    symlinkSync(join(repoRoot, "node_modules"), join(copy.dir, "node_modules"), "dir");
    symlinkSync(join(repoRoot, "packages/api/node_modules"), join(copy.dir, "packages/api/node_modules"), "dir");
    writeFileSync(
      join(copy.dir, ".changeset/add-nickname.md"),
      ["---", '"@org/client": minor', "---", "", "Add `nickname` to users.", ""].join("\n"),
    );
    // A compatible API change made for this release: a new optional field.
    const proto = join(copy.dir, "proto/org/users/v1/users.proto");
    const source = readFileSync(proto, "utf8");
    const withField = source.replace(/(message User \{\n)/, "$1  // Display name chosen by the user.\n  string nickname = 99;\n");
    expect(withField).not.toBe(source);
    writeFileSync(proto, withField);

    const script = readJson<{ scripts: Record<string, string> }>(join(copy.dir, "package.json")).scripts["release:version"];
    expect(script).toBeDefined();
    await runOk("sh", ["-c", script as string], {
      cwd: copy.dir,
      env: { PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}` },
    });
  });
  afterAll(() => copy?.[Symbol.dispose]());

  it("versions the fixed group together, whichever package the changeset named", () => {
    for (const dir of publicPackages) {
      expect(readJson<{ version: string }>(join(copy.dir, "packages", dir, "package.json")).version, dir).toBe(expected);
    }
  });

  it("writes a changelog per published package", () => {
    const client = readFileSync(join(copy.dir, "packages/client/CHANGELOG.md"), "utf8");
    expect(client).toContain(`## ${expected}`);
    expect(client).toContain("Add `nickname` to users.");
    for (const dir of ["api", "server"]) {
      expect(readFileSync(join(copy.dir, "packages", dir, "CHANGELOG.md"), "utf8")).toContain(`## ${expected}`);
    }
    expect(existsSync(join(copy.dir, ".changeset/add-nickname.md"))).toBe(false);
  });

  it("never versions a private package", () => {
    expect(readJson<{ version: string }>(join(copy.dir, "packages/users-service/package.json")).version).toBe(privateBefore);
    expect(existsSync(join(copy.dir, "packages/users-service/CHANGELOG.md"))).toBe(false);
  });

  it("moves the buf breaking baseline to the released API, recording its version", async () => {
    expect(readJson<{ version: string }>(join(copy.dir, "packages/api/released/release.json")).version).toBe(expected);
    const image = readFileSync(join(copy.dir, "packages/api/released/image.json"), "utf8");
    expect(image).toContain('"name": "nickname"');
    // From now on, removing the released field is what CI refuses.
    const proto = join(copy.dir, "proto/org/users/v1/users.proto");
    writeFileSync(proto, readFileSync(proto, "utf8").replace("  string nickname = 99;\n", ""));
    const gate = await runOk("sh", ["-c", "buf breaking proto --against packages/api/released/image.json --error-format json || true"], {
      cwd: copy.dir,
      env: { PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}` },
    });
    expect(gate.stdout).toContain("FIELD_NO_DELETE");
  });
});

function minorBump(version: string): string {
  const [major, minor] = version.split(".").map(Number) as [number, number];
  return `${major}.${minor + 1}.0`;
}
