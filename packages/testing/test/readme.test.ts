import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = readFileSync(new URL("./readme-example.test.ts", import.meta.url), "utf8");

describe("README", () => {
  it("shows the tested example (test/readme-example.test.ts) verbatim", () => {
    expect(readme).toContain(example.trim());
  });

  it("lists every option of startTestServer", () => {
    const source = readFileSync(new URL("../src/start-test-server.ts", import.meta.url), "utf8");
    const block = source.slice(source.indexOf("export interface TestServerOptions"), source.indexOf("/** A running test server"));
    const names = [...block.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]);
    expect(names).toEqual(["serverOptions", "clientOptions", "setup"]);
    for (const name of names) expect(readme).toContain(`| \`${name}\``);
  });
});
