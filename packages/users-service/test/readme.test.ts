// README.md is checked like code: its TypeScript example runs against a real service, and its
// settings table lists every variable the service reads, with the defaults the code uses.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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

  it("the buf curl lines run as written (reflection lists health; Health/Check answers SERVING)", async () => {
    const block =
      /Or with `buf curl`[\s\S]*?```sh\n([\s\S]*?)```/.exec(section("### With grpcurl or any reflection-aware tool"))?.[1] ?? "";
    const lines = block.split("\n").filter((l) => l.startsWith("node_modules/.bin/buf curl"));
    expect(lines).toHaveLength(3);
    const t = await startTestService();
    stops.push(() => t.stop());
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const outputs: string[] = [];
    for (const line of lines) {
      // The line as a shell runs it, the README's port swapped for the test service's.
      const { stdout } = await promisify(execFile)("bash", ["-c", line.replaceAll("127.0.0.1:50051", t.target)], {
        cwd: root,
        timeout: 60_000,
      });
      outputs.push(stdout);
    }
    expect(outputs[0]!.split("\n")).toEqual(expect.arrayContaining(["grpc.health.v1.Health", "org.users.v1.UsersService"]));
    expect(outputs[1]!.split("\n")).toEqual(
      expect.arrayContaining(["grpc.health.v1.Health/Check", "grpc.reflection.v1.ServerReflection/ServerReflectionInfo"]),
    );
    expect(JSON.parse(outputs[2]!)).toEqual({ status: "SERVING" });
  }, 120_000);

  it("the settings table lists every variable the service reads, with the code's defaults", () => {
    const table = section("## Settings");
    for (const name of [...SERVER_ENV_VARS, ...USERS_ENV_VARS]) expect(table, name).toContain(`\`${name}\``);
    expect(table).toContain(`| \`GRPC_LISTEN\` | \`${DEFAULT_GRPC_LISTEN}\` |`);
    expect(table).toContain(`| \`USERS_DB\` | \`${DEFAULT_USERS_DB}\` |`);
    expect(table).toContain(`| \`GRPC_SHUTDOWN_GRACE_MS\` | \`${DEFAULT_SHUTDOWN_GRACE_MS}\` |`);
  });
});
