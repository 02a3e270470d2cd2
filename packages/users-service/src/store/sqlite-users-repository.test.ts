import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { migrate, migrations } from "./migrations.js";
import { SqliteUsersRepository } from "./sqlite-users-repository.js";
import { describeUsersRepositoryContract, fields } from "./users-repository.contract.js";

const dir = mkdtempSync(join(tmpdir(), "users-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeUsersRepositoryContract("sqlite file", async () => new SqliteUsersRepository({ path: join(dir, `db-${n++}`, "users.db") }));
describeUsersRepositoryContract("sqlite :memory:", async () => new SqliteUsersRepository({ path: ":memory:" }));

describe("SqliteUsersRepository", () => {
  it("opens the file in WAL mode with full sync and records the applied migrations", async () => {
    const path = join(dir, "pragmas.db");
    const repo = new SqliteUsersRepository({ path });
    const { user } = await repo.create(fields());
    await repo.close();
    const db = new Database(path);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
      expect(versions).toEqual(migrations.map((m) => m.version));
      expect(db.prepare("SELECT name FROM users WHERE id = ?").pluck().get(user.id)).toBe("Ada Lovelace");
    } finally {
      db.close();
    }
    // Reopening applies nothing new and keeps the data.
    const again = new SqliteUsersRepository({ path });
    expect((await again.get(user.id))?.email).toBe("ada@example.com");
    await again.close();
  });

  it("applies only migrations newer than the database, and refuses a database from a newer build", () => {
    const db = new Database(":memory:");
    try {
      expect(migrate(db)).toEqual([1]);
      expect(migrate(db)).toEqual([]);
      const next = [...migrations, { version: 2, name: "add column", sql: "ALTER TABLE users ADD COLUMN nickname TEXT" }];
      expect(migrate(db, next)).toEqual([2]);
      expect(() => migrate(db, migrations)).toThrow(/schema version 2 is newer/);
    } finally {
      db.close();
    }
  });
});
