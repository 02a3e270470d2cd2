// README.md is checked like code: its TypeScript example runs against a real service, and its
// settings table lists every variable the service reads, with the defaults the code uses.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SERVER_ENV_VARS } from "@org/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_GRPC_LISTEN, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_USERS_DB, USERS_ENV_VARS } from "../src/config.js";
import { startTestService } from "./test-service.js";

const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (stops.length > 0) await stops.pop()?.();
});

function section(heading: string): string {
  const start = readme.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf("\n#", start + heading.length);
  return readme.slice(start, next === -1 ? undefined : next);
}

describe("README", () => {
  it("the @org/client example runs: creates a user, then reports the taken email", async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(section("### From code, with @org/client"))?.[1];
    expect(code).toBeTruthy();
    const dir = fileURLToPath(new URL("../.test-results/", import.meta.url));
    mkdirSync(dir, { recursive: true });
    const t = await startTestService();
    stops.push(() => t.stop());
    vi.stubEnv("USERS_TARGET", t.target);
    const logs: string[] = [];
    const errors: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void logs.push(line));
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    for (const run of [1, 2]) {
      const file = `${dir}readme-example-${run}.ts`;
      writeFileSync(file, code ?? "");
      await import(file);
    }
    expect(logs[0]).toMatch(/^created [0-9a-f-]{36}$/);
    expect(logs[1]).toBe("1 users");
    expect(errors).toEqual(["that email is already taken"]);
  });

  it("the settings table lists every variable the service reads, with the code's defaults", () => {
    const table = section("## Settings");
    for (const name of [...SERVER_ENV_VARS, ...USERS_ENV_VARS]) expect(table, name).toContain(`\`${name}\``);
    expect(table).toContain(`| \`GRPC_LISTEN\` | \`${DEFAULT_GRPC_LISTEN}\` |`);
    expect(table).toContain(`| \`USERS_DB\` | \`${DEFAULT_USERS_DB}\` |`);
    expect(table).toContain(`| \`GRPC_SHUTDOWN_GRACE_MS\` | \`${DEFAULT_SHUTDOWN_GRACE_MS}\` |`);
  });
});
