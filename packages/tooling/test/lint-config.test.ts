// The repository's Biome configuration really has its type-aware rules on: code with a floating
// promise, a promise where a condition belongs, or an unused expression fails the lint.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, rootBin, run } from "./helpers.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lint-config-"));
  // The repository's own configuration, used outside git (so with --vcs-enabled=false).
  copyFileSync(join(repoRoot, ".biome.jsonc"), join(dir, ".biome.jsonc"));
  copyFileSync(join(repoRoot, "tsconfig.base.json"), join(dir, "tsconfig.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lint(source: string): Promise<{ code: number | null; rules: string[] }> {
  writeFileSync(join(dir, "sample.ts"), source);
  const result = await run(rootBin("biome"), ["lint", "--vcs-enabled=false", "--reporter=json", "sample.ts"], { cwd: dir });
  const report = JSON.parse(result.stdout) as { diagnostics: { category: string; severity: string }[] };
  return { code: result.code, rules: report.diagnostics.filter((d) => d.severity === "error").map((d) => d.category) };
}

const header = "export async function save(): Promise<number> {\n  return 1;\n}\n";

describe("biome lint with the repository's configuration", () => {
  it("accepts a handled promise", async () => {
    expect(await lint(`${header}export async function main(): Promise<void> {\n  await save();\n}\n`)).toEqual({ code: 0, rules: [] });
  });

  it("rejects a floating promise", async () => {
    const { code, rules } = await lint(`${header}export function main(): void {\n  save();\n}\n`);
    expect(code).not.toBe(0);
    expect(rules).toContain("lint/nursery/noFloatingPromises");
  });

  it("rejects a promise used as a condition", async () => {
    const { code, rules } = await lint(`${header}export function main(): number {\n  if (save()) return 1;\n  return 0;\n}\n`);
    expect(code).not.toBe(0);
    expect(rules).toContain("lint/nursery/noMisusedPromises");
  });

  it("rejects an expression whose result is unused", async () => {
    const { code, rules } = await lint("export function main(a: number, b: number): void {\n  a === b;\n}\n");
    expect(code).not.toBe(0);
    expect(rules).toContain("lint/suspicious/noUnusedExpressions");
  });
});
