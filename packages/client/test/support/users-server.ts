// A UsersService on 127.0.0.1:0 whose behaviour each test controls, plus a raw grpc-js variant that
// can see the deadline a call arrived with.
import * as grpc from "@grpc/grpc-js";
import { UsersServiceDefinition, type UsersServiceImplementation } from "@org/api/org/users/v1";
import { AbortError } from "abort-controller-x";
import { type CallContext, createServer, type Server, ServerError, Status } from "nice-grpc";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";

export type Impl = Partial<UsersServiceImplementation<CallContext>>;

export interface TestServer extends AsyncDisposable {
  port: number;
  address: string;
  server: Server;
}

export function fillUnimplemented(impl: Impl): UsersServiceImplementation {
  const full: Record<string, unknown> = { ...impl };
  for (const name of Object.keys(UsersServiceDefinition.methods)) {
    full[name] ??= () => {
      throw new ServerError(Status.UNIMPLEMENTED, `${name} not implemented in this test`);
    };
  }
  return full as unknown as UsersServiceImplementation;
}

export async function startUsersServer(
  impl: Impl,
  options: { credentials?: grpc.ServerCredentials; setup?: (server: Server) => Server; port?: number } = {},
): Promise<TestServer> {
  let server: Server = createServer().use(errorDetailsServerMiddleware) as unknown as Server;
  if (options.setup) server = options.setup(server);
  server.add(UsersServiceDefinition, fillUnimplemented(impl));
  const port = await server.listen(`127.0.0.1:${options.port ?? 0}`, options.credentials);
  return {
    port,
    address: `127.0.0.1:${port}`,
    server,
    async [Symbol.asyncDispose]() {
      server.forceShutdown();
    },
  };
}

/** A server whose GetUser always fails with UNAVAILABLE; `attempts` counts the calls it saw. */
export async function startDownServer(): Promise<TestServer & { attempts: number }> {
  const counter = { attempts: 0 };
  const server = await startUsersServer({
    async getUser() {
      counter.attempts++;
      throw new ServerError(Status.UNAVAILABLE, "try again");
    },
  });
  return Object.defineProperty(server, "attempts", {
    get: () => counter.attempts,
    set: (n: number) => {
      counter.attempts = n;
    },
  }) as TestServer & { attempts: number };
}

/** Remaining ms of the deadline a raw grpc-js handler received (Infinity when none). */
export function remainingMs(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return at === Number.POSITIVE_INFINITY ? at : at - Date.now();
}

// grpc-js handlers of every kind.
type RawHandler = (call: any, callback: grpc.sendUnaryData<any>) => void;

/** A grpc-js server (no nice-grpc) so a test can read `call.getDeadline()`. */
export async function startRawUsersServer(handlers: Record<string, RawHandler>): Promise<TestServer> {
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(UsersServiceDefinition.methods) as [string, any][]) {
    definition[name] = {
      path: `/${UsersServiceDefinition.fullName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (v: unknown) => Buffer.from(m.requestType.encode(v).finish()),
      requestDeserialize: (b: Buffer) => m.requestType.decode(b),
      responseSerialize: (v: unknown) => Buffer.from(m.responseType.encode(v).finish()),
      responseDeserialize: (b: Buffer) => m.responseType.decode(b),
      originalName: name,
    };
  }
  server.addService(definition as grpc.ServiceDefinition, handlers as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    address: `127.0.0.1:${port}`,
    server: server as never,
    async [Symbol.asyncDispose]() {
      server.forceShutdown();
    },
  };
}

/** Resolves after `ms`, or when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Never answers until the call is cancelled. */
export function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(new AbortError()));
  });
}

export const user = (id: string) => ({
  id,
  name: `User ${id}`,
  email: `${id}@example.org`,
  role: 1,
  tags: [],
  labels: {},
  etag: "e1",
  loginCount: 0n,
});

/** Teardown that a failing assertion cannot skip: register resources, `afterEach(cleanup.run)`. */
export function cleanupStack() {
  const stack: (() => unknown)[] = [];
  return {
    add<T extends { close(): void } | AsyncDisposable>(resource: T): T {
      stack.push(() =>
        Symbol.asyncDispose in resource ? (resource as AsyncDisposable)[Symbol.asyncDispose]() : (resource as { close(): void }).close(),
      );
      return resource;
    },
    async run() {
      while (stack.length > 0) await stack.pop()?.();
    },
  };
}
