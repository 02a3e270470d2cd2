// Starts the real users service (on @org/server, SQLite in a temp dir) on 127.0.0.1:0 and an
// @org/client client for it; `stop()` is registered with afterEach by the caller.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientOptions, createUsersClient, type UsersClient } from "@org/client";
import { loadConfig } from "../src/config.js";
import { type RunningUsersService, startUsersService } from "../src/start-users-service.js";
import { SqliteUsersRepository } from "../src/store/sqlite-users-repository.js";

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
  const running = await startUsersService({ config, repository, handleSignals: false });
  const target = `127.0.0.1:${running.port}`;
  const clients: UsersClient[] = [];
  const newClient = (options: Partial<ClientOptions> = {}) => {
    const client = createUsersClient({ target, ...options });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    running,
    repository,
    target,
    client,
    newClient,
    async stop() {
      for (const c of clients) c.close();
      await running.close();
      await repository.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
