// A write whose call returned OK survives the process being killed (SIGKILL: no shutdown hooks, no
// close) and restarted on the same database file. Runs the built service, as in production.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUsersClient, Status } from "@org/client";
import { afterEach, describe, expect, it } from "vitest";
import { type SpawnedService, spawnService } from "./spawn-service.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(db: string): Promise<SpawnedService> {
  const service = await spawnService({ USERS_DB: db, LOG_LEVEL: "info" });
  cleanups.push(async () => {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill("SIGKILL");
      await service.exited;
    }
  });
  return service;
}

describe("restart durability", () => {
  it("keeps every acknowledged write across SIGKILL and restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "users-durability-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, "nested", "users.db"); // parent directories are created

    const first = await start(db);
    const client = createUsersClient({ target: `127.0.0.1:${first.port}`, retry: false });
    const { user: ada } = await client.createUser({ user: { name: "Ada", email: "ada@example.com" }, requestId: "r-1" });
    const { user: bob } = await client.createUser({ user: { name: "Bob", email: "bob@example.com" } });
    const { user: renamed } = await client.updateUser({ user: { id: ada?.id, name: "Ada King" }, updateMask: ["name"] });
    await client.deleteUser({ id: bob?.id ?? "" });
    client.close();
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    const second = await start(db);
    const again = createUsersClient({ target: `127.0.0.1:${second.port}`, retry: false });
    try {
      const { user } = await again.getUser({ id: ada?.id ?? "" });
      expect(user).toEqual(renamed);
      await expect(again.getUser({ id: bob?.id ?? "" })).rejects.toMatchObject({ code: Status.NOT_FOUND });
      // The idempotency key was committed with the create: a retry after the crash is not a second user.
      const retried = await again.createUser({ user: { name: "Ada", email: "ada@example.com" }, requestId: "r-1" });
      expect(retried.user?.id).toBe(ada?.id);
      expect((await again.listUsers({})).totalSize).toBe(1);
    } finally {
      again.close();
    }
  });
});
