// The tooling tests run on a copy of the whole repository, so they are cached on the whole
// repository: a second `npm test` with nothing changed replays them, and a change to any file they
// copy (a proto, a package's source, a root config) runs them again. Checked with turbo's own
// dry run on a copy, the way CI's turbo sees the tree.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRepository, type RepoCopy, rootBin, runOk } from "./helpers.js";

interface DryTask {
  taskId: string;
  hash: string;
  resolvedTaskDefinition: { cache: boolean };
}

describe("turbo caches the tooling tests on their inputs", () => {
  let copy: RepoCopy;

  const toolingTask = async (): Promise<DryTask> => {
    const { stdout } = await runOk(rootBin("turbo"), ["run", "test", "--filter=@org/tooling", "--dry=json"], {
      cwd: copy.dir,
      env: { PATH: process.env.PATH ?? "", TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    });
    const task = (JSON.parse(stdout) as { tasks: DryTask[] }).tasks.find((t) => t.taskId === "@org/tooling#test");
    if (task === undefined) throw new Error(`no @org/tooling#test task in turbo's dry run:\n${stdout}`);
    return task;
  };

  beforeAll(() => {
    copy = copyRepository();
  });
  afterAll(() => copy?.[Symbol.dispose]());

  it("is cacheable, with the same hash for the same tree", async () => {
    const first = await toolingTask();
    expect(first.resolvedTaskDefinition.cache).toBe(true);
    expect((await toolingTask()).hash).toBe(first.hash);
  });

  it("runs again when a proto, another package's source or a root config changes", async () => {
    let previous = (await toolingTask()).hash;
    for (const file of ["proto/org/users/v1/users.proto", "packages/server/src/env.ts", ".changeset/config.json"]) {
      appendFileSync(join(copy.dir, file), "\n");
      const next = (await toolingTask()).hash;
      expect(next, `${file} changed`).not.toBe(previous);
      previous = next;
    }
  });

  it("ignores what builds and test runs leave behind", async () => {
    const before = (await toolingTask()).hash;
    for (const dir of ["packages/server/dist", "packages/tooling/.test-results"]) {
      mkdirSync(join(copy.dir, dir), { recursive: true });
      writeFileSync(join(copy.dir, dir, "leftover.js"), "export {};\n");
    }
    expect((await toolingTask()).hash).toBe(before);
  });
});
