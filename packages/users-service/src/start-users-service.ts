// Wires the users service onto @org/server: repository, handlers, health, listen. main.ts calls it
// with the environment's config; the end-to-end tests call it with port 0 and their own store.
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createServer, type OrgServer } from "@org/server";
import { consoleHttpHandler } from "@org/users-console";
import { USERS_SERVICE_NAME, type UsersServiceConfig } from "./config.js";
import { PostgresUsersRepository } from "./store/postgres-users-repository.js";
import { SqliteUsersRepository } from "./store/sqlite-users-repository.js";
import type { UsersRepository } from "./store/users-repository.js";
import { createUsersService, type UsersService } from "./users-service.js";

export interface StartUsersServiceOptions {
  config: UsersServiceConfig;
  /**
   * Store to use. Default: PostgreSQL at `config.databaseUrl` when set, else SQLite at
   * `config.usersDb` (closed by `close()`).
   */
  repository?: UsersRepository;
  /** Shut down gracefully on SIGTERM/SIGINT and exit. Default `true`; tests pass `false`. */
  handleSignals?: boolean;
  /** Serve the users console (`GET /`) on the gRPC port. Default `true`. */
  console?: boolean;
}

export interface RunningUsersService {
  /** The bound gRPC port. */
  port: number;
  /** Where a browser opens the users console (same port as gRPC), or undefined when it is off. */
  consoleUrl?: string | undefined;
  server: OrgServer;
  service: UsersService;
  repository: UsersRepository;
  /** Graceful shutdown (watchers end with UNAVAILABLE), then closes the store. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startUsersService(options: StartUsersServiceOptions): Promise<RunningUsersService> {
  const { config } = options;
  const ownsRepository = options.repository === undefined;
  const repository: UsersRepository =
    options.repository ??
    (config.databaseUrl !== undefined
      ? await PostgresUsersRepository.open({ url: config.databaseUrl })
      : new SqliteUsersRepository({ path: config.usersDb }));
  const service = createUsersService({ repository, pageTokenSecret: config.pageTokenSecret });
  const server = createServer({
    ...config.server,
    listenAddress: config.grpcListen,
    shutdownGraceMs: config.shutdownGraceMs,
    handleSignals: options.handleSignals ?? true,
    // The console's page and its gRPC-Web calls share the port, hence the origin: no CORS needed.
    ...(options.console !== false && { httpHandler: consoleHttpHandler() }),
  });
  server.add(UsersServiceDefinition, service.implementation);
  // A networked store can be unreachable: the users service then reports NOT_SERVING (what the
  // readiness probe asks), and SERVING again once the database is back. The server itself ("",
  // the liveness probe) stays SERVING: restarting the pod would not bring the database back.
  const stopHealth = repository.onAvailability?.((available) => {
    server.health.set(USERS_SERVICE_NAME, available ? "SERVING" : "NOT_SERVING");
  });
  if (ownsRepository) {
    // On SIGTERM @org/server drains and calls process.exit; close SQLite cleanly on the way out
    // (better-sqlite3's close is synchronous, so it completes inside the exit handler).
    process.once("exit", () => void repository.close());
  }
  let port: number;
  try {
    port = await server.listen();
  } catch (error) {
    if (ownsRepository) await repository.close();
    throw error;
  }
  const consoleUrl = options.console === false ? undefined : browserUrl(config.grpcListen, port, config.server.tls !== undefined);
  server.logger.info(
    {
      port,
      consoleUrl,
      store: config.databaseUrl !== undefined ? "postgresql" : "sqlite",
      usersDb: config.databaseUrl === undefined ? config.usersDb : undefined,
      pageTokens: config.pageTokenSecret ? "USERS_PAGE_TOKEN_SECRET" : "random key",
    },
    "users service ready",
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      service.shutdown();
      stopHealth?.();
      await server.shutdown();
      if (ownsRepository) await repository.close();
    })());
  return { port, consoleUrl, server, service, repository, close, [Symbol.asyncDispose]: close };
}

/** The URL a browser on this machine opens for `host:port` (a wildcard host becomes loopback). */
function browserUrl(listen: string, port: number, tls: boolean): string {
  let host = listen.slice(0, listen.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
  if (host === "0.0.0.0" || host === "::" || host === "") host = "127.0.0.1";
  return `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}
