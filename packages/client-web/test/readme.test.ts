// The README's usage example runs as written, against a local gRPC-Web server instead of
// api.example.com: it creates a user, watches until that user appears, and ends the stream itself.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterEach, expect, it } from "vitest";
import { startWebServer } from "./support/web-server.js";

const run = promisify(execFile);
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const example = /## Usage\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
const file = fileURLToPath(new URL(`../readme-example-${process.pid}.mjs`, import.meta.url));

afterEach(async () => {
  await rm(file, { force: true });
});

it("the usage example runs against a real gRPC-Web server", async () => {
  expect(example).toContain("createUsersWebClient");
  let watchEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    watchEnded = resolve;
  });
  const created: string[] = [];
  await using server = await startWebServer({
    createUser: async (req: { user?: { name: string; email: string } }) => {
      created.push(req.user?.email ?? "");
      return { user: { ...req.user, id: "u1" } };
    },
    async *watchUsers(_req, { signal }) {
      signal.addEventListener("abort", () => watchEnded());
      yield { changeType: 1, user: { id: "other" } };
      yield { changeType: 1, user: { id: "u1" } };
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
    },
  });
  const source = example.replace("https://api.example.com", server.baseUrl);
  expect(source).not.toContain("api.example.com");
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  await writeFile(file, outputText);
  // A separate Node process, as a user would run it; the package resolves itself by name.
  const { stdout } = await run(process.execPath, [file], { timeout: 15_000 }).catch((e: { stdout: string; stderr: string }) => {
    throw new Error(`example failed: ${e.stdout} ${e.stderr}`);
  });
  expect(created).toEqual(["ada@example.org"]);
  expect(stdout).toBe("1 other\n1 u1\n");
  await ended;
});
