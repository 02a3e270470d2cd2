// The users service on PostgreSQL (DATABASE_URL), as main.ts starts it, on a real PostgreSQL:
// database faults reach clients as UNAVAILABLE (with a retry delay) or DEADLINE_EXCEEDED, never
// INTERNAL; health follows the database; watches end with UNAVAILABLE when the change feed is lost.
import { createUsersClient, Status } from "@org/client";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, USERS_SERVICE_NAME } from "../src/config.js";
import { type RunningUsersService, startUsersService } from "../src/start-users-service.js";
import { startPostgres, type TestPostgres } from "./postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.destroy();
});

async function start(url: string): Promise<RunningUsersService> {
  const config = loadConfig({ GRPC_LISTEN: "127.0.0.1:0", LOG_LEVEL: "silent", DATABASE_URL: url });
  return startUsersService({ config, handleSignals: false });
}

describe("the users service on PostgreSQL", () => {
  it("refuses a DATABASE_URL that is not postgres://, naming the variable", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://db/users" })).toThrow(
      "DATABASE_URL: expected a postgres:// or postgresql:// URL, got mysql:// (SQLite is set with USERS_DB)",
    );
    expect(() => loadConfig({ DATABASE_URL: "not a url" })).toThrow(/^DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(loadConfig({ DATABASE_URL: "postgresql://u:p@db:5432/users" }).databaseUrl).toBe("postgresql://u:p@db:5432/users");
  });

  it("answers UNAVAILABLE (with RetryInfo) and NOT_SERVING while the database is down, then serves again", async () => {
    const running = await start(await postgres.createDatabase());
    const client = createUsersClient({ target: `127.0.0.1:${running.port}`, tracing: false, retry: false });
    try {
      const { user } = await client.createUser({ user: { name: "Ada", email: "ada@example.org" }, requestId: "first" });
      expect(running.server.health.get(USERS_SERVICE_NAME)).toBe("SERVING");
      const watch = client.watchUsers({})[Symbol.asyncIterator]();
      const watchEnd = (async () => {
        try {
          while (!(await watch.next()).done);
          return "ended";
        } catch (error) {
          return error as { code: number; details: string };
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 100));

      await postgres.stop();
      const error = (await client.getUser({ id: user!.id }).catch((e: unknown) => e)) as {
        code: number;
        details: string;
        retryInfo?: { retryDelayMs: number };
      };
      expect(error.code).toBe(Status.UNAVAILABLE);
      expect(error.details).toBe("the users database is unavailable; retry shortly");
      expect(error.retryInfo?.retryDelayMs).toBe(500);
      expect(await watchEnd).toMatchObject({ code: Status.UNAVAILABLE });
      await expect.poll(() => running.server.health.get(USERS_SERVICE_NAME), { timeout: 10_000 }).toBe("NOT_SERVING");
      expect(running.server.health.get("")).toBe("NOT_SERVING");

      await postgres.start();
      await expect.poll(() => running.server.health.get(USERS_SERVICE_NAME), { timeout: 15_000 }).toBe("SERVING");
      expect((await client.getUser({ id: user!.id })).user?.name).toBe("Ada");
      // The request id still protects a create retried after the outage.
      const again = await client.createUser({ user: { name: "Ada", email: "ada@example.org" }, requestId: "first" });
      expect(again.user?.id).toBe(user!.id);
    } finally {
      await postgres.start();
      client.close();
      await running.close();
    }
  }, 60_000);

  it("ends a query with the call's deadline: DEADLINE_EXCEEDED, not INTERNAL", async () => {
    const url = await postgres.createDatabase();
    const running = await start(url);
    const client = createUsersClient({ target: `127.0.0.1:${running.port}`, tracing: false, retry: false });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      const { user } = await client.createUser({ user: { name: "Ada", email: "ada@example.org" } });
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const error = (await client.getUser({ id: user!.id }, { deadlineMs: 400 }).catch((e: unknown) => e)) as { code: number };
      expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
      await blocker.query("ROLLBACK");
      expect((await client.getUser({ id: user!.id })).user?.id).toBe(user!.id);
    } finally {
      await blocker.end();
      client.close();
      await running.close();
    }
  });
});
