// Every setting of the users service, read from the environment and validated in one place. A bad
// value fails at start with a message naming the variable and what it expected. The server's own
// variables (GRPC_*, LOG_LEVEL, METRICS_LISTEN, AUTH_*, TLS_*, RATE_LIMIT_*) are parsed by
// @org/server's serverOptionsFromEnv; this module adds the service's and sets local defaults.
import { resolve } from "node:path";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { type ServerOptions, serverOptionsFromEnv } from "@org/server";

/** Where the service listens when GRPC_LISTEN is not set: loopback only, safe on a laptop. */
export const DEFAULT_GRPC_LISTEN = "127.0.0.1:50051";
/** The SQLite file when USERS_DB is not set, relative to the working directory. */
export const DEFAULT_USERS_DB = "./data/users.db";
/** Time in-flight calls get after SIGTERM, ms (@org/server's default; Kubernetes grace must exceed it). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** Full name of the service, also its health-check name. */
export const USERS_SERVICE_NAME = UsersServiceDefinition.fullName;

type Env = Record<string, string | undefined>;

export interface UsersServiceConfig {
  /** `host:port` the gRPC server binds. Default `DEFAULT_GRPC_LISTEN`. */
  grpcListen: string;
  /** Absolute path of the SQLite file, or `":memory:"`. Default `DEFAULT_USERS_DB` in the working directory. */
  usersDb: string;
  /** `postgres://` URL: when set, the service stores users in PostgreSQL instead of SQLite. */
  databaseUrl: string | undefined;
  /** HMAC key of ListUsers page tokens. Default: random per process (tokens die with it). */
  pageTokenSecret: Buffer | undefined;
  /** Grace period of a graceful shutdown, ms. Default `DEFAULT_SHUTDOWN_GRACE_MS`. */
  shutdownGraceMs: number;
  /** `NODE_ENV === "production"`: reflection off unless GRPC_REFLECTION=true. */
  production: boolean;
  /** Everything else for `createServer` (logging, metrics, auth, TLS, limits). */
  server: ServerOptions;
}

/** The service's own variables (the server's are in @org/server's SERVER_ENV_VARS). */
export const USERS_ENV_VARS = ["USERS_DB", "DATABASE_URL", "USERS_PAGE_TOKEN_SECRET"] as const;

/** DATABASE_URL checked: a postgres:// or postgresql:// URL with a host. */
function parseDatabaseUrl(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("DATABASE_URL: expected a postgres:// URL (postgres://user:password@host:5432/database)");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new Error(`DATABASE_URL: expected a postgres:// or postgresql:// URL, got ${url.protocol}// (SQLite is set with USERS_DB)`);
  }
  if (url.hostname === "") throw new Error("DATABASE_URL: expected a host (postgres://user:password@host:5432/database)");
  return value;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): UsersServiceConfig {
  const server = serverOptionsFromEnv(env);
  const rawDb = env.USERS_DB?.trim() || DEFAULT_USERS_DB;
  const usersDb = rawDb === ":memory:" ? rawDb : resolve(cwd, rawDb);
  const rawSecret = env.USERS_PAGE_TOKEN_SECRET;
  if (rawSecret !== undefined && rawSecret !== "" && Buffer.byteLength(rawSecret) < 32) {
    throw new Error("USERS_PAGE_TOKEN_SECRET: expected at least 32 characters (e.g. `openssl rand -base64 32`), shared by every replica");
  }
  return {
    grpcListen: server.listenAddress ?? DEFAULT_GRPC_LISTEN,
    usersDb,
    databaseUrl: parseDatabaseUrl(env.DATABASE_URL),
    pageTokenSecret: rawSecret ? Buffer.from(rawSecret) : undefined,
    shutdownGraceMs: server.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    production: env.NODE_ENV?.trim() === "production",
    server,
  };
}
