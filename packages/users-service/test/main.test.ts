// The built command (`node dist/main.js`): defaults, metrics, configuration errors, SIGTERM.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { assertBuilt, mainJs, spawnService } from "./spawn-service.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "users-main-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("users-service command", () => {
  it("keeps data in ./data/users.db under the working directory, serves metrics, and exits 0 on SIGTERM", async () => {
    const dir = tempDir();
    const service = await spawnService({ LOG_LEVEL: "info", METRICS_LISTEN: "127.0.0.1:0" }, dir);
    cleanups.push(() => void service.child.kill("SIGKILL"));
    const entries = service.logs.map((line) => JSON.parse(line));
    expect(entries.find((e) => e.msg === "users service ready")?.usersDb).toBe(join(dir, "data", "users.db"));
    const listening = entries.find((e) => e.msg === "grpc server listening");
    expect(listening.reflection).toBe(true);
    // The line says where it listens, host and port, not the port alone.
    expect(listening.host).toBe("127.0.0.1");
    expect(listening.port).toBeGreaterThan(0);
    expect(listening.services).toEqual(["org.users.v1.UsersService"]);
    const metrics = await fetch(`http://127.0.0.1:${listening.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# TYPE");
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it("turns reflection off in production", async () => {
    const service = await spawnService({ NODE_ENV: "production", USERS_DB: ":memory:" }, tempDir());
    cleanups.push(() => void service.child.kill("SIGKILL"));
    const listening = service.logs.map((line) => JSON.parse(line)).find((e) => e.msg === "grpc server listening");
    expect(listening.reflection).toBe(false);
  });

  it("refuses a bad setting at start, naming the variable (exit status 2)", async () => {
    assertBuilt();
    const run = promisify(execFile);
    for (const [name, value] of [
      ["GRPC_LISTEN", "not an address"],
      ["USERS_PAGE_TOKEN_SECRET", "short"],
      ["LOG_LEVEL", "loud"],
    ] as const) {
      const result = await run(process.execPath, [mainJs], { env: { PATH: process.env.PATH, USERS_DB: ":memory:", [name]: value } }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(result.code, name).toBe(2);
      expect(result.stderr).toContain(name);
    }
  });
});
