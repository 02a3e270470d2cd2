// Starts the users service (its handlers on @org/server with the configuration the environment
// gives, SQLite in a temp dir) on 127.0.0.1:0 with an @org/client client for it, through
// @org/testing; `stop()` is registered with afterEach by the caller. startUsersService itself
// (what main.ts runs) is covered by main.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import type { ClientOptions, UsersClient } from "@org/client";
import { startTestServer } from "@org/testing";
import { loadConfig } from "../src/config.js";
import type { RunningUsersService } from "../src/start-users-service.js";
import { SqliteUsersRepository } from "../src/store/sqlite-users-repository.js";
import { createUsersService } from "../src/users-service.js";

export interface TestService {
  running: RunningUsersService;
  repository: SqliteUsersRepository;
  target: string;
  client: UsersClient;
  /** Another client for the same service, closed by `stop()`. */
  newClient(options?: Partial<ClientOptions>): UsersClient;
  stop(): Promise<void>;
}

export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), "users-e2e-"));
  const config = loadConfig({ GRPC_LISTEN: "127.0.0.1:0", LOG_LEVEL: "silent", USERS_DB: join(dir, "users.db"), ...env });
  const repository = new SqliteUsersRepository({ path: config.usersDb });
  const service = createUsersService({ repository, pageTokenSecret: config.pageTokenSecret });
  const removeStore = async () => {
    await repository.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let t: Awaited<ReturnType<typeof startTestServer<typeof UsersServiceDefinition>>>;
  try {
    t = await startTestServer(UsersServiceDefinition, service.implementation, {
      serverOptions: { ...config.server, shutdownGraceMs: config.shutdownGraceMs, handleSignals: false },
    });
  } catch (error) {
    await removeStore();
    throw error;
  }
  // The same order as startUsersService's close(): watchers end, then the server. Like there, a
  // store passed in is not closed by it; stop() closes and removes it afterwards.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      service.shutdown();
      await t.close();
    })());
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await close();
      await removeStore();
    })());
  const running: RunningUsersService = {
    port: t.port,
    server: t.server,
    service,
    repository,
    close,
    [Symbol.asyncDispose]: close,
  };
  return {
    running,
    repository,
    target: t.address,
    client: t.client,
    newClient: (options = {}) => t.newClient(options),
    stop,
  };
}
