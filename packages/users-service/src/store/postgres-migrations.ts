// Schema migrations of the PostgreSQL store, applied at start. Several replicas starting at once
// take turns on a session advisory lock, so each migration is applied exactly once; a database
// whose schema is newer than this build refuses to start (a rollback must not write to a schema it
// does not know). Append; never edit a released entry.
import type { Pool } from "pg";
import type { Migration } from "./migrations.js";

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "users, idempotency keys and large change payloads",
    sql: `
      CREATE TABLE users (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        name_key    text NOT NULL,            -- case-folded name, for filters
        email       text NOT NULL,
        email_key   text NOT NULL UNIQUE,     -- case-folded email: uniqueness ignores case
        role        integer NOT NULL,
        address     jsonb,
        tags        text[] NOT NULL,
        labels      jsonb NOT NULL,
        login_count bigint NOT NULL DEFAULT 0,
        create_time bigint NOT NULL,          -- Unix ms
        update_time bigint NOT NULL,          -- Unix ms
        etag        text NOT NULL
      );
      CREATE INDEX users_by_create_time_id ON users (create_time, id);
      CREATE TABLE idempotency_keys (
        request_id  text PRIMARY KEY,
        user_id     text NOT NULL,
        snapshot    text NOT NULL,            -- the user as first created (JSON)
        create_time bigint NOT NULL
      );
      -- Changes too large for a NOTIFY payload (8000 bytes); the notification carries the key.
      CREATE TABLE user_changes (
        change_id   text PRIMARY KEY,
        payload     text NOT NULL,
        create_time timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

/** Any number that is the same in every replica: the advisory lock migrations run under. */
const MIGRATION_LOCK = 0x75736572; // "user"

/**
 * Applies every migration newer than the database's version, under a session advisory lock;
 * returns the versions this call applied (empty when another replica did them first).
 */
export async function migratePostgres(pool: Pool, all: readonly Migration[] = postgresMigrations): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations");
      const current = rows[0]?.v ?? 0;
      const known = all.at(-1)?.version ?? 0;
      if (current > known) {
        throw new Error(`database schema version ${current} is newer than this build knows (${known}); refusing to start`);
      }
      const applied: number[] = [];
      for (const migration of all) {
        if (migration.version <= current) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
