import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { ServerError, Status } from "nice-grpc";
import { BadRequest, ErrorInfo, RichServerError } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import {
  CallError,
  createClient,
  createUsersClient,
  isAlreadyExists,
  isInvalidArgument,
  isNotFound,
  isUnauthenticated,
  isUnavailable,
  Metadata,
} from "../src/index.js";
import { resolveTarget } from "../src/internal/target.js";
import { cleanupStack, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

describe("typed calls", () => {
  it("makes unary calls, streams, client streams and bidi streams", async () => {
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          return { user: user(req.id) };
        },
        async *streamUsers() {
          for (const id of ["a", "b", "c"]) yield { user: user(id) };
        },
        async bulkCreateUsers(requests) {
          const createdIds: string[] = [];
          for await (const r of requests) createdIds.push(r.user?.id ?? "");
          return { createdCount: createdIds.length, createdIds, failures: [] };
        },
        async *syncUsers(requests) {
          for await (const r of requests) {
            if (r.operation?.$case === "delete") yield { id: r.operation.value.id, outcome: 3, code: 0, message: "" };
          }
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address }));
    expect((await users.getUser({ id: "42" })).user?.email).toBe("42@example.org");
    const streamed: string[] = [];
    for await (const { user: u } of users.streamUsers({})) streamed.push(u?.id ?? "");
    expect(streamed).toEqual(["a", "b", "c"]);
    async function* bulk() {
      yield { user: { id: "x" } };
      yield { user: { id: "y" } };
    }
    expect(await users.bulkCreateUsers(bulk())).toMatchObject({ createdCount: 2, createdIds: ["x", "y"] });
    async function* ops() {
      yield { operation: { $case: "delete" as const, value: { id: "d1" } } };
    }
    const outcomes: string[] = [];
    for await (const r of users.syncUsers(ops())) outcomes.push(r.id);
    expect(outcomes).toEqual(["d1"]);
  });

  it("builds a client for any definition with createClient and reuses one channel", async () => {
    const peers = new Set<string>();
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { peer }) {
          peers.add(peer);
          return { user: user(req.id) };
        },
      }),
    );
    const client = cleanup.add(createClient(UsersServiceDefinition, { target: server.address }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.getUser({ id: String(i) })));
    expect(peers.size).toBe(1);
    client.close();
    await expect(client.getUser({ id: "after close" })).rejects.toBeInstanceOf(CallError);
  });

  it("balances a list of addresses round-robin", async () => {
    const hits = [0, 0];
    const servers = await Promise.all(
      [0, 1].map(async (i) =>
        cleanup.add(
          await startUsersServer({
            async getUser(req) {
              hits[i]!++;
              return { user: user(req.id) };
            },
          }),
        ),
      ),
    );
    const users = cleanup.add(createUsersClient({ target: servers.map((s) => s.address), waitForReady: true }));
    for (let i = 0; i < 20; i++) await users.getUser({ id: String(i) });
    expect(hits[0]! + hits[1]!).toBe(20);
    expect(hits[0]).toBeGreaterThanOrEqual(5);
    expect(hits[1]).toBeGreaterThanOrEqual(5);
  });

  it("accepts dns:/// targets and knows which targets are loopback", async () => {
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          return { user: user(req.id) };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: `dns:///localhost:${server.port}` }));
    expect((await users.getUser({ id: "dns" })).user?.id).toBe("dns");
    expect(resolveTarget("127.0.0.1:1")).toEqual({ target: "127.0.0.1:1", loopback: true, list: false, ipHost: "127.0.0.1" });
    expect(resolveTarget("api.example.org:443").ipHost).toBeUndefined();
    expect(resolveTarget("api.example.org:443").loopback).toBe(false);
    expect(resolveTarget("dns:///localhost:5").loopback).toBe(true);
    expect(resolveTarget(["127.0.0.1:1", "127.0.0.1:2"])).toEqual({
      target: "ipv4:127.0.0.1:1,127.0.0.1:2",
      loopback: true,
      list: true,
      ipHost: "127.0.0.1",
    });
    expect(resolveTarget(["[::1]:1"]).target).toBe("ipv6:[::1]:1");
    expect(() => resolveTarget(["a.example:1", "127.0.0.1:2"])).toThrow(/IP addresses/);
  });
});

describe("errors", () => {
  it("rejects with CallError carrying decoded details, trailers and the request id", async () => {
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { trailer }) {
          trailer.set("x-request-id", "req-123");
          if (req.id === "bad") {
            throw new RichServerError(Status.INVALID_ARGUMENT, "invalid user id", [
              BadRequest.fromPartial({ fieldViolations: [{ field: "id", description: "must not be 'bad'" }] }),
              ErrorInfo.fromPartial({ reason: "BAD_ID", domain: "users.org", metadata: { id: "bad" } }),
            ]);
          }
          if (req.id === "dup") throw new ServerError(Status.ALREADY_EXISTS, "exists");
          throw new ServerError(Status.NOT_FOUND, "no such user");
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address }));
    const error = await users.getUser({ id: "bad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    const callError = error as CallError;
    expect(isInvalidArgument(callError)).toBe(true);
    expect(callError.details).toBe("invalid user id");
    expect(callError.badRequest).toEqual({ fieldViolations: [{ field: "id", description: "must not be 'bad'" }] });
    expect(callError.errorInfo).toEqual({ reason: "BAD_ID", domain: "users.org", metadata: { id: "bad" } });
    expect(callError.requestId).toBe("req-123");
    expect(callError.trailers.get("x-request-id")).toBe("req-123");

    const notFound = await users.getUser({ id: "nope" }).catch((e: unknown) => e);
    expect(isNotFound(notFound)).toBe(true);
    expect(isAlreadyExists(notFound)).toBe(false);
    expect((notFound as CallError).badRequest).toBeUndefined();
    expect(isAlreadyExists(await users.getUser({ id: "dup" }).catch((e: unknown) => e))).toBe(true);
  });

  it("reports an unreachable server as UNAVAILABLE CallError", async () => {
    const server = await startUsersServer({});
    const address = server.address;
    await server[Symbol.asyncDispose]();
    const users = cleanup.add(createUsersClient({ target: address, retry: { maxAttempts: 2, baseDelayMs: 1 } }));
    const error = await users.getUser({ id: "x" }).catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
    expect((error as CallError).trailers).toBeDefined();
  });
});

describe("safe creates", () => {
  it("fills CreateUser.requestId once per call, the same on every attempt, and keeps a given one", async () => {
    const requestIds: string[] = [];
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async createUser(req) {
          requestIds.push(req.requestId);
          if (++attempts === 1) throw new ServerError(Status.UNAVAILABLE, "blip");
          return { user: user("new") };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1 } }));
    await users.createUser({ user: { name: "Ada" } });
    expect(requestIds).toHaveLength(2);
    expect(requestIds[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIds[1]).toBe(requestIds[0]);
    await users.createUser({ user: { name: "Bob" } });
    expect(requestIds[2]).not.toBe(requestIds[0]);
    await users.createUser({ user: { name: "Cy" }, requestId: "mine" });
    expect(requestIds[3]).toBe("mine");
  });
});

describe("auth and metadata", () => {
  it("sends a static bearer token and client metadata", async () => {
    const seen: (string | undefined)[][] = [];
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { metadata }) {
          seen.push([metadata.get("authorization"), metadata.get("x-client"), metadata.get("x-call")]);
          return { user: user(req.id) };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, token: "s3cret", metadata: { "x-client": "sdk" } }));
    await users.getUser({ id: "1" });
    await users.getUser({ id: "2" }, { metadata: Metadata({ "x-call": "yes", "x-client": "override" }) });
    expect(seen).toEqual([
      ["Bearer s3cret", "sdk", undefined],
      ["Bearer s3cret", "override", "yes"],
    ]);
  });

  it("caches a provider's token until near expiry and refreshes after UNAUTHENTICATED", async () => {
    const tokens: string[] = [];
    let rejectNext = false;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { metadata }) {
          tokens.push(metadata.get("authorization") ?? "");
          if (rejectNext) {
            rejectNext = false;
            throw new ServerError(Status.UNAUTHENTICATED, "expired");
          }
          return { user: user(req.id) };
        },
      }),
    );
    let issued = 0;
    let lifetimeMs = 3_600_000;
    const users = cleanup.add(
      createUsersClient({
        target: server.address,
        token: async () => ({ token: `t${++issued}`, expiresAt: Date.now() + lifetimeMs }),
      }),
    );
    await Promise.all([users.getUser({ id: "1" }), users.getUser({ id: "2" })]);
    await users.getUser({ id: "3" });
    expect(issued).toBe(1);
    rejectNext = true;
    expect(isUnauthenticated(await users.getUser({ id: "4" }).catch((e: unknown) => e))).toBe(true);
    lifetimeMs = 10_000; // within the 30 s refresh margin: every call refreshes
    await users.getUser({ id: "5" });
    await users.getUser({ id: "6" });
    expect(tokens).toEqual(["Bearer t1", "Bearer t1", "Bearer t1", "Bearer t1", "Bearer t2", "Bearer t3"]);
  });

  it("gets the token once per call, outside the retries (middleware order)", async () => {
    const tokens: string[] = [];
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { metadata }) {
          tokens.push(metadata.get("authorization") ?? "");
          if (tokens.length === 1) throw new ServerError(Status.UNAVAILABLE, "blip");
          return { user: user(req.id) };
        },
      }),
    );
    let issued = 0;
    const users = cleanup.add(
      createUsersClient({
        target: server.address,
        retry: { baseDelayMs: 1 },
        // Expires within the refresh margin, so every call asks for a new one.
        token: async () => ({ token: `t${++issued}`, expiresAt: Date.now() + 1_000 }),
      }),
    );
    await users.getUser({ id: "1" });
    expect(tokens).toEqual(["Bearer t1", "Bearer t1"]);
    await users.getUser({ id: "2" });
    expect(tokens[2]).toBe("Bearer t2");
  });

  it("fails with UNAUTHENTICATED when the token provider throws", async () => {
    const server = cleanup.add(await startUsersServer({}));
    const users = cleanup.add(
      createUsersClient({
        target: server.address,
        token: async () => {
          throw new Error("identity provider down");
        },
      }),
    );
    const error = await users.getUser({ id: "1" }).catch((e: unknown) => e);
    expect(isUnauthenticated(error)).toBe(true);
    expect((error as CallError).details).toMatch(/identity provider down/);
  });
});

describe("connection", () => {
  it("waitForReady waits for a server that starts late, within the deadline", async () => {
    const probe = await startUsersServer({});
    const port = probe.port;
    await probe[Symbol.asyncDispose]();
    const users = cleanup.add(
      createUsersClient({
        target: `127.0.0.1:${port}`,
        waitForReady: true,
        retry: false,
        channelOptions: { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 200 },
      }),
    );
    const pending = users.getUser({ id: "late" }, { deadlineMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    cleanup.add(
      await startUsersServer(
        {
          async getUser(req) {
            return { user: user(req.id) };
          },
        },
        { port },
      ),
    );
    expect((await pending).user?.id).toBe("late");
  });
});
