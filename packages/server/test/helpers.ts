import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { GetUserRequest, GetUserResponse, UsersServiceDefinition, type UsersServiceImplementation } from "@org/api/org/users/v1";
import { delay, forever } from "abort-controller-x";
import { type Channel, type ChannelCredentials, type Client, createChannel, createClientFactory } from "nice-grpc";
import { type DeadlineOptions, deadlineMiddleware } from "nice-grpc-client-middleware-deadline";
import { ServerError, Status } from "nice-grpc-common";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterEach } from "vitest";
import { createServer, invalidArgument, notFound, type OrgCallContext, type OrgServer, type ServerOptions } from "../src/index.js";
import { useIncomingCallScope } from "../src/internal/incoming-call-scope.js";

// The fixture reads the scope, so it is created before any call (as @org/client does on import).
const incomingCallScope = useIncomingCallScope();

export type LogLine = Record<string, any> & { msg: string; level: number };

export type UsersClient = Client<typeof UsersServiceDefinition, DeadlineOptions>;

/** Test double of UsersService: the request id picks the behaviour. */
export function usersImpl(): UsersServiceImplementation<OrgCallContext> {
  const unimplemented = async () => {
    throw new ServerError(Status.UNIMPLEMENTED, "not in the fixture");
  };
  return {
    async getUser({ id }, ctx) {
      if (id === "boom") throw new Error("db password is hunter2");
      if (id === "missing")
        throw notFound(`user ${id} not found`, { info: { reason: "USER_NOT_FOUND", domain: "users.test", metadata: { id } } });
      if (id.startsWith("slow:")) await delay(ctx.signal, Number(id.slice(5)));
      if (id === "hang") {
        try {
          await forever(ctx.signal);
        } finally {
          hangAborts.push({ aborted: ctx.signal.aborted, at: Date.now() });
        }
      }
      if (id === "context") {
        const scope = incomingCallScope.getStore();
        ctx.log.info({ probe: true }, "inside handler");
        return {
          user: {
            id,
            name: JSON.stringify({
              requestId: ctx.requestId,
              deadline: ctx.deadline?.getTime() ?? null,
              principal: ctx.principal?.subject ?? null,
              scopeDeadline: scope?.deadline?.getTime() ?? null,
              scopeSignalIsCallSignal: scope?.signal === ctx.signal,
            }),
          },
        };
      }
      return { user: { id, name: "Ada", email: "ada@example.org" } };
    },
    async createUser({ user }) {
      if (!user?.name) {
        throw invalidArgument("invalid user", [{ field: "user.name", description: "must not be empty" }], {
          info: { reason: "VALIDATION", domain: "users.test" },
        });
      }
      return { user: { ...user, id: "u1" } };
    },
    async *streamUsers(_req, ctx) {
      yield { user: { id: "s1" } };
      yield { user: { id: "s2" } };
      await forever(ctx.signal);
    },
    async *watchUsers(_req, ctx) {
      yield { user: { id: "w1" } };
      await forever(ctx.signal);
    },
    async bulkCreateUsers(requests) {
      let n = 0;
      for await (const _ of requests) n++;
      return { createdCount: n };
    },
    async *syncUsers(requests) {
      for await (const r of requests) {
        if (r.operation?.$case === "delete") yield { id: r.operation.value.id };
      }
    },
    batchGetUsers: unimplemented,
    listUsers: unimplemented,
    updateUser: unimplemented,
    deleteUser: unimplemented,
  };
}

/** When `getUser({id:"hang"})` handlers saw their signal abort. */
export const hangAborts: { aborted: boolean; at: number }[] = [];

export const clientFactory = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware);

export interface TestServer {
  server: OrgServer;
  port: number;
  address: string;
  logs: LogLine[];
  channel: Channel;
  client: UsersClient;
  /** A fresh channel + client (closed at teardown). */
  newClient(credentials?: ChannelCredentials, host?: string): UsersClient;
}

const open: (() => Promise<void>)[] = [];

afterEach(async () => {
  const closers = open.splice(0);
  await Promise.all(closers.map((close) => close().catch(() => undefined)));
});

/** Collects pino lines written by the server. */
export function memoryLog(): { lines: LogLine[]; destination: { write(s: string): void } } {
  const lines: LogLine[] = [];
  return {
    lines,
    destination: {
      write(s: string) {
        for (const line of s.split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as LogLine);
      },
    },
  };
}

/**
 * Starts a server on 127.0.0.1:0 with the users fixture (or `configure`) and a client;
 * both are closed after the test.
 */
export async function startServer(
  options: ServerOptions = {},
  configure?: (server: OrgServer) => void,
  credentials?: ChannelCredentials,
): Promise<TestServer> {
  const log = memoryLog();
  const server = createServer({ handleSignals: false, logLevel: "debug", logDestination: log.destination, ...options });
  if (configure) configure(server);
  else server.add(UsersServiceDefinition, usersImpl());
  const port = await server.listen("127.0.0.1:0");
  const channels: Channel[] = [];
  open.push(async () => {
    for (const c of channels) c.close();
    await server.shutdown();
  });
  const address = `127.0.0.1:${port}`;
  // With TLS, the name the test certificates carry: grpc-js sends the target's host as the TLS
  // server name, and Node 26 refuses an IP address there (RFC 6066).
  const channelOptions = credentials === undefined ? {} : { "grpc.ssl_target_name_override": "localhost" };
  const newClient = (creds = credentials, host = address) => {
    const channel = createChannel(host, creds, channelOptions);
    channels.push(channel);
    return clientFactory.create(UsersServiceDefinition, channel);
  };
  const channel = createChannel(address, credentials, channelOptions);
  channels.push(channel);
  const client = clientFactory.create(UsersServiceDefinition, channel);
  return { server, port, address, logs: log.lines, channel, client, newClient };
}

/** Log lines of finished calls ("grpc call"). */
export function callLines(logs: LogLine[]): LogLine[] {
  return logs.filter((l) => l.msg === "grpc call");
}

/** Waits until `predicate` holds (polling), failing after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Runs `fn`, expecting it to reject; returns the error. */
export async function rejection(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/**
 * GetUser through a plain grpc-js client, which (unlike nice-grpc's) sends `grpc-timeout`.
 * Rejects with the grpc-js ServiceError (`code`, `details`).
 */
export function rawGetUser(
  address: string,
  id: string,
  options: { deadlineMs?: number; metadata?: Record<string, string> } = {},
): Promise<GetUserResponse> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  return new Promise<GetUserResponse>((resolve, reject) => {
    client.makeUnaryRequest(
      "/org.users.v1.UsersService/GetUser",
      (req: GetUserRequest) => Buffer.from(GetUserRequest.encode(req).finish()),
      (buf: Buffer) => GetUserResponse.decode(buf),
      GetUserRequest.fromPartial({ id }),
      metadata,
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res!);
      },
    );
  });
}

/** Calls the server is running right now (from its `grpc_server_calls_in_flight` gauge). */
export async function inFlight(server: OrgServer): Promise<number> {
  const metric = server.metricsRegistry.getSingleMetric("grpc_server_calls_in_flight") as unknown as {
    get(): { values: { value: number }[] };
  };
  return metric.get().values[0]?.value ?? 0;
}

/** Waits until the server runs at least `n` calls. */
export async function waitForInFlight(server: OrgServer, n: number): Promise<void> {
  const until = Date.now() + 5000;
  while ((await inFlight(server)) < n) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${n} calls in flight`);
    await sleep(5);
  }
}
