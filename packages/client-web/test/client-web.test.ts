// @org/client-web over real HTTP on 127.0.0.1 with fetch: the same defaults as @org/client.
import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { BadRequest, RetryInfo } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import {
  CallError,
  createUsersWebClient,
  createWebClient,
  isInvalidArgument,
  Status,
  type UsersWebClient,
  type WebRetryEvent,
} from "../src/index.js";
import { startWebServer, WebStatusError, type WebTestServer } from "./support/web-server.js";

const servers: WebTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  propagation.disable();
});

async function serve(handlers: Parameters<typeof startWebServer>[0]): Promise<WebTestServer> {
  const server = await startWebServer(handlers);
  servers.push(server);
  return server;
}

const user = (id: string) => ({ id, name: `User ${id}`, email: `${id}@example.org` });
const unavailable = () => new WebStatusError({ code: Status.UNAVAILABLE, message: "down for a moment" });

describe("calls", () => {
  it("unary calls return promises and server streams async iterables", async () => {
    const server = await serve({
      getUser: async (req: { id: string }) => ({ user: user(req.id) }),
      async *streamUsers() {
        yield { user: user("a") };
        yield { user: user("b") };
      },
    });
    const users = createUsersWebClient({ baseUrl: server.baseUrl });
    expect((await users.getUser({ id: "u1" })).user?.email).toBe("u1@example.org");
    const ids: string[] = [];
    for await (const { user: u } of users.streamUsers({})) ids.push(u?.id ?? "");
    expect(ids).toEqual(["a", "b"]);
  });

  it("has no client-streaming or bidi methods, in its type or at run time", () => {
    const users: UsersWebClient = createUsersWebClient({ baseUrl: "http://127.0.0.1:9" });
    // The web flavour of @org/api leaves them out of the definition, so a page does not carry them.
    expect(Object.keys(users)).not.toContain("bulkCreateUsers");
    expect(Object.keys(users)).not.toContain("syncUsers");
    expect(Object.keys(users)).toEqual(expect.arrayContaining(["getUser", "listUsers", "watchUsers", "createUser"]));
    // A definition that has them (the full flavour) gives a client without them in its type and a
    // clear error if one is reached anyway.
    const full = createWebClient(UsersServiceDefinition, { baseUrl: "http://127.0.0.1:9" });
    // @ts-expect-error BulkCreateUsers streams its request: not available over gRPC-Web
    expect(() => full.bulkCreateUsers([])).toThrow(/gRPC-Web cannot carry/);
    // @ts-expect-error SyncUsers is bidi: not available over gRPC-Web
    expect(() => full.syncUsers([])).toThrow(/gRPC-Web cannot carry/);
  });

  it("sends CreateUser a request_id of its own unless the caller gave one", async () => {
    const seen: string[] = [];
    const server = await serve({
      createUser: async (req: { requestId: string }) => {
        seen.push(req.requestId);
        return { user: user("n") };
      },
    });
    const users = createUsersWebClient({ baseUrl: server.baseUrl });
    await users.createUser({ user: user("n") });
    await users.createUser({ user: user("n"), requestId: "mine" });
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]).toBe("mine");
  });

  it("sends the token and the client's metadata", async () => {
    const server = await serve({ getUser: async () => ({ user: user("u") }) });
    const users = createUsersWebClient({ baseUrl: server.baseUrl, token: async () => ({ token: "t1" }), metadata: { "x-team": "web" } });
    await users.getUser({ id: "u" });
    expect(server.calls[0]?.headers.authorization).toBe("Bearer t1");
    expect(server.calls[0]?.headers["x-team"]).toBe("web");
  });
});

describe("deadlines", () => {
  it("sends the default 10 s deadline as grpc-timeout and none on server streams", async () => {
    const server = await serve({
      getUser: async () => ({ user: user("u") }),
      async *streamUsers() {},
    });
    const users = createUsersWebClient({ baseUrl: server.baseUrl });
    await users.getUser({ id: "u" });
    for await (const _ of users.streamUsers({})) {
    }
    const timeout = String(server.calls[0]?.headers["grpc-timeout"]);
    expect(timeout).toMatch(/^\d+m$/);
    expect(Number.parseInt(timeout, 10)).toBeGreaterThan(5_000);
    expect(Number.parseInt(timeout, 10)).toBeLessThanOrEqual(10_000);
    expect(server.calls[1]?.headers["grpc-timeout"]).toBeUndefined();
  });

  it("fails with DEADLINE_EXCEEDED when the server does not answer in time, and the handler sees the cancellation", async () => {
    let aborted!: () => void;
    const handlerAborted = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const server = await serve({
      getUser: (_req, { signal }) =>
        new Promise(() => {
          signal.addEventListener("abort", () => aborted());
        }),
    });
    const users = createUsersWebClient({ baseUrl: server.baseUrl });
    const error = await users.getUser({ id: "u" }, { deadlineMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe(Status.DEADLINE_EXCEEDED);
    expect(server.calls[0]?.headers["grpc-timeout"]).toMatch(/^(1\d\d|200)m$/);
    await handlerAborted;
  });
});

describe("retries", () => {
  it("retries UNAVAILABLE for idempotent methods and not where the policy says no", async () => {
    let attempts = 0;
    const server = await serve({
      getUser: async () => {
        if (++attempts < 3) throw unavailable();
        return { user: user("u") };
      },
    });
    const events: WebRetryEvent[] = [];
    const users = createUsersWebClient({ baseUrl: server.baseUrl, retry: { baseDelayMs: 1, onRetry: (e) => events.push(e) } });
    expect((await users.getUser({ id: "u" })).user?.id).toBe("u");
    expect(attempts).toBe(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);

    attempts = 0;
    const noRetry = createUsersWebClient({ baseUrl: server.baseUrl, methods: { getUser: { retry: false } } });
    await expect(noRetry.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(attempts).toBe(1);
  });

  it("never retries INVALID_ARGUMENT and rejects it as a retryable code", async () => {
    let attempts = 0;
    const server = await serve({
      getUser: async () => {
        attempts++;
        throw new WebStatusError({ code: Status.INVALID_ARGUMENT, message: "bad id" });
      },
    });
    await expect(createUsersWebClient({ baseUrl: server.baseUrl }).getUser({ id: "" })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
    expect(attempts).toBe(1);
    expect(() => createUsersWebClient({ baseUrl: server.baseUrl, retry: { retryableCodes: [Status.INVALID_ARGUMENT] } })).toThrow(
      TypeError,
    );
  });

  it("stops retrying once the retry budget is spent", async () => {
    let attempts = 0;
    const server = await serve({
      getUser: async () => {
        attempts++;
        throw unavailable();
      },
    });
    const users = createUsersWebClient({ baseUrl: server.baseUrl, retry: { baseDelayMs: 1, budget: { maxTokens: 4, tokenRatio: 0.1 } } });
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    // 4 tokens: two failures leave 2, not more than half, so the second failure is final.
    expect(attempts).toBe(2);
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(attempts).toBe(3);
  });

  it("waits the server's RetryInfo delay", async () => {
    let attempts = 0;
    const server = await serve({
      getUser: async () => {
        if (++attempts === 1) {
          throw new WebStatusError({
            code: Status.UNAVAILABLE,
            message: "overloaded",
            details: [
              [
                "google.rpc.RetryInfo",
                RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 0, nanos: 150_000_000 } })).finish(),
              ],
            ],
          });
        }
        return { user: user("u") };
      },
    });
    const delays: number[] = [];
    const users = createUsersWebClient({ baseUrl: server.baseUrl, retry: { onRetry: (e) => delays.push(e.delayMs) } });
    const started = Date.now();
    await users.getUser({ id: "u" });
    expect(delays).toEqual([150]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("reports a server that cannot be reached as UNAVAILABLE after retrying", async () => {
    const server = await serve({});
    const { baseUrl } = server;
    await server.close();
    servers.length = 0;
    const events: WebRetryEvent[] = [];
    const users = createUsersWebClient({ baseUrl, retry: { baseDelayMs: 1, onRetry: (e) => events.push(e) } });
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(events).toHaveLength(3);
  });
});

describe("errors", () => {
  it("decodes BadRequest and the request id", async () => {
    const server = await serve({
      createUser: async () => {
        throw new WebStatusError({
          code: Status.INVALID_ARGUMENT,
          message: "invalid user",
          details: [
            [
              "google.rpc.BadRequest",
              BadRequest.encode(
                BadRequest.fromPartial({ fieldViolations: [{ field: "user.email", description: "not an email" }] }),
              ).finish(),
            ],
          ],
          trailers: { "x-request-id": "req-7" },
        });
      },
    });
    const error = await createUsersWebClient({ baseUrl: server.baseUrl })
      .createUser({ user: { name: "x", email: "nope" } })
      .catch((e: unknown) => e);
    expect(isInvalidArgument(error)).toBe(true);
    const callError = error as CallError;
    expect(callError.message).toContain("invalid user");
    expect(callError.badRequest?.fieldViolations).toEqual([{ field: "user.email", description: "not an email" }]);
    expect(callError.requestId).toBe("req-7");
  });
});

describe("cancellation", () => {
  it("an aborted server stream rejects with CANCELLED and the server handler sees it", async () => {
    let aborted!: () => void;
    const handlerAborted = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const server = await serve({
      async *watchUsers(_req, { signal }) {
        signal.addEventListener("abort", () => aborted());
        yield { user: user("first") };
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
      },
    });
    const controller = new AbortController();
    const users = createUsersWebClient({ baseUrl: server.baseUrl });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const change of users.watchUsers({}, { signal: controller.signal })) {
        seen.push(change.user?.id ?? "");
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["first"]);
    expect(error).toMatchObject({ code: Status.CANCELLED });
    await handlerAborted;
  });
});

describe("tracing", () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const spanContext = { traceId, spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED };

  it("sends traceparent through the OpenTelemetry API the page passes, once an SDK registered a propagator", async () => {
    const server = await serve({ getUser: async () => ({ user: user("u") }) });
    const users = createUsersWebClient({ baseUrl: server.baseUrl, tracing: { context, propagation } });
    // What an OpenTelemetry web SDK registers: a context manager and the W3C propagator.
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    const active = trace.setSpanContext(ROOT_CONTEXT, spanContext);

    // No propagator registered yet: the API's no-op one sends nothing.
    await context.with(active, () => users.getUser({ id: "u" }));
    expect(server.calls[0]?.headers.traceparent).toBeUndefined();

    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    await context.with(active, () => users.getUser({ id: "u" }));
    expect(server.calls[1]?.headers.traceparent).toBe(`00-${traceId}-b7ad6b7169203331-01`);

    // A client not given the API (the default) or told `false` sends nothing, SDK or not.
    await context.with(active, () => createUsersWebClient({ baseUrl: server.baseUrl }).getUser({ id: "u" }));
    expect(server.calls[2]?.headers.traceparent).toBeUndefined();
    await context.with(active, () => createUsersWebClient({ baseUrl: server.baseUrl, tracing: false }).getUser({ id: "u" }));
    expect(server.calls[3]?.headers.traceparent).toBeUndefined();
    context.disable();
  });
});
