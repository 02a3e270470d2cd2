// Schema migrations, applied in order at start inside one transaction. Append; never edit a
// released entry (a database records which versions it has).
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "users and idempotency keys",
    sql: `
      CREATE TABLE users (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        email       TEXT NOT NULL,
        email_key   TEXT NOT NULL UNIQUE,   -- case-folded email: uniqueness ignores case
        role        INTEGER NOT NULL,
        address     TEXT,                   -- JSON object or NULL
        tags        TEXT NOT NULL,          -- JSON array of strings
        labels      TEXT NOT NULL,          -- JSON object of strings
        login_count INTEGER NOT NULL DEFAULT 0,
        create_time INTEGER NOT NULL,       -- Unix ms
        update_time INTEGER NOT NULL,       -- Unix ms
        etag        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX users_by_create_time_id ON users (create_time, id);
      CREATE TABLE idempotency_keys (
        request_id  TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL,
        snapshot    TEXT NOT NULL,          -- the user as first created (JSON)
        create_time INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

/** Applies every migration newer than the database's version; returns the versions applied. */
export function migrate(db: Database, all: readonly Migration[] = migrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const apply = db.transaction(() => {
    const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    const current = row.v ?? 0;
    const known = all.at(-1)?.version ?? 0;
    if (current > known) {
      throw new Error(`database schema version ${current} is newer than this build knows (${known}); refusing to start`);
    }
    const applied: number[] = [];
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const migration of all) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push(migration.version);
    }
    return applied;
  });
  return apply.immediate();
}
