// A real @org/server on 127.0.0.1:0 and a typed @org/client client for it, torn down together.
import { type ClientOptions, createClient, type OrgClient } from "@org/client";
import { createServer, type OrgCallContext, type OrgServer, type ServerOptions } from "@org/server";
import type { CompatServiceDefinition, ServiceImplementation } from "nice-grpc";

/** Options of {@link startTestServer}. */
export interface TestServerOptions<S extends CompatServiceDefinition> {
  /**
   * Options of `createServer`. Default: `{ handleSignals: false, logLevel: "silent",
   * shutdownGraceMs: 1_000 }`; what you pass is merged over it. The server always listens on
   * `127.0.0.1:0`.
   */
  serverOptions?: ServerOptions;
  /**
   * Options of `createClient` besides `target` (always the test server). Default: none, so the
   * client's production defaults apply (plaintext on loopback, 10 s deadline, retries).
   */
  clientOptions?: Omit<ClientOptions<S>, "target">;
  /** Called before `listen()`: add middleware (`server.use`) or more services (`server.add`). Default: none. */
  setup?: (server: OrgServer) => void;
}

/** A running test server with its client; `await using` closes both, even when the test throws. */
export interface TestServer<S extends CompatServiceDefinition> extends AsyncDisposable {
  /** The `@org/server` under test. */
  readonly server: OrgServer;
  /** A client with `clientOptions`, connected to the server. */
  readonly client: OrgClient<S>;
  /** The bound port on 127.0.0.1. */
  readonly port: number;
  /** `127.0.0.1:<port>`, for clients you create yourself. */
  readonly address: string;
  /** Another client for the same server, with these options over `clientOptions`; closed with the rest. */
  newClient(options?: Omit<ClientOptions<S>, "target">): OrgClient<S>;
  /** Closes every client, then shuts the server down gracefully. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_SERVER_OPTIONS: ServerOptions = { handleSignals: false, logLevel: "silent", shutdownGraceMs: 1_000 };

/**
 * Starts `implementation` of `definition` on a real `@org/server` bound to `127.0.0.1:0` and
 * creates a typed `@org/client` client for it. Methods left out answer UNIMPLEMENTED.
 *
 * @example
 * await using t = await startTestServer(UsersServiceDefinition, { getUser: async ({ id }) => ({ user: { id } }) });
 * const { user } = await t.client.getUser({ id: "1" });
 */
export async function startTestServer<S extends CompatServiceDefinition>(
  definition: S,
  implementation: Partial<ServiceImplementation<S, OrgCallContext>>,
  options: TestServerOptions<S> = {},
): Promise<TestServer<S>> {
  const server = createServer({ ...DEFAULT_SERVER_OPTIONS, ...options.serverOptions });
  let port: number;
  try {
    options.setup?.(server);
    server.add(definition, implementation);
    port = await server.listen("127.0.0.1:0");
  } catch (error) {
    await server.shutdown();
    throw error;
  }
  const address = `127.0.0.1:${port}`;
  const clients: OrgClient<S>[] = [];
  const newClient = (own: Omit<ClientOptions<S>, "target"> = {}): OrgClient<S> => {
    const client = createClient(definition, { ...options.clientOptions, ...own, target: address } as ClientOptions<S>);
    clients.push(client);
    return client;
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const c of clients.splice(0)) c.close();
      await server.shutdown();
    })();
    return closing;
  };
  let client: OrgClient<S>;
  try {
    client = newClient();
  } catch (error) {
    await close();
    throw error;
  }
  return { server, client, port, address, newClient, close, [Symbol.asyncDispose]: close };
}
