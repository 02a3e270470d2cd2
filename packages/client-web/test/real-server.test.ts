// @org/client-web in Node against a real @org/server (gRPC-Web on its gRPC port, HTTP/1.1 over
// fetch), not the test server of support/web-server.ts: every default the README promises, seen
// from the server's side where it can be (the deadline the handler gets, the attempts it counts,
// the signal it sees abort).
import { UsersServiceDefinition, type WatchUsersResponse } from "@org/api/org/users/v1";
import { invalidArgument, unavailable } from "@org/server";
import { startTestServer, type TestServer } from "@org/testing";
import { Status } from "nice-grpc-common";
import { afterEach, describe, expect, it } from "vitest";
import { CallError, createUsersWebClient, isInvalidArgument, type WebRetryEvent } from "../src/index.js";

type Users = NonNullable<Parameters<typeof startTestServer<typeof UsersServiceDefinition>>[1]>;
const running: TestServer<typeof UsersServiceDefinition>[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

async function serve(implementation: Users): Promise<string> {
  const t = await startTestServer(UsersServiceDefinition, implementation);
  running.push(t);
  return `http://${t.address}`;
}

const user = (id: string) => ({ id, name: `User ${id}`, email: `${id}@example.org` });

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

describe("against @org/server", () => {
  it("sends the deadline as grpc-timeout: the handler's context has it; server streams get none", async () => {
    const seen: Array<number | undefined> = [];
    const baseUrl = await serve({
      getUser: async ({ id }, context) => {
        seen.push(context.deadline === undefined ? undefined : context.deadline.getTime() - Date.now());
        return { user: user(id) };
      },
      async *watchUsers(_, context) {
        seen.push(context.deadline === undefined ? undefined : context.deadline.getTime() - Date.now());
        yield { changeType: 1, user: user("w") };
      },
    });
    const users = createUsersWebClient({ baseUrl });
    await users.getUser({ id: "a" });
    await users.getUser({ id: "b" }, { deadlineMs: 3_000 });
    for await (const _ of users.watchUsers({})) break;
    const [byDefault, perCall, stream] = seen;
    // The default 10 s and the per-call 3 s, minus the time the request took to arrive.
    expect(byDefault).toBeGreaterThan(8_000);
    expect(byDefault).toBeLessThanOrEqual(10_000);
    expect(perCall).toBeGreaterThan(1_000);
    expect(perCall).toBeLessThanOrEqual(3_000);
    expect(stream).toBeUndefined();
  });

  it("ends a call the server does not answer in time with DEADLINE_EXCEEDED, and the handler's signal aborts", async () => {
    let handlerSignal: AbortSignal | undefined;
    const baseUrl = await serve({
      getUser: (_, context) => {
        handlerSignal = context.signal;
        return untilAborted(context.signal);
      },
    });
    const users = createUsersWebClient({ baseUrl });
    await expect(users.getUser({ id: "slow" }, { deadlineMs: 200 })).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect.poll(() => handlerSignal?.aborted).toBe(true);
  });

  it("retries UNAVAILABLE for idempotent methods only, and not when the method or call says no", async () => {
    let attempts = 0;
    const baseUrl = await serve({
      getUser: async ({ id }) => {
        if (++attempts % 3 !== 0) throw unavailable("warming up");
        return { user: user(id) };
      },
    });
    // GetUser is NO_SIDE_EFFECTS: two failures, then the answer, in one call.
    const events: WebRetryEvent[] = [];
    const users = createUsersWebClient({ baseUrl, retry: { baseDelayMs: 1, onRetry: (e) => events.push(e) } });
    expect((await users.getUser({ id: "u" })).user?.id).toBe("u");
    expect(attempts).toBe(3);
    expect(events.map((e) => [e.path, e.attempt, e.error.code])).toEqual([
      ["/org.users.v1.UsersService/GetUser", 1, Status.UNAVAILABLE],
      ["/org.users.v1.UsersService/GetUser", 2, Status.UNAVAILABLE],
    ]);
    // Marked not retryable for this client: one attempt.
    const noRetry = createUsersWebClient({ baseUrl, methods: { getUser: { retry: false } } });
    await expect(noRetry.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE, details: "warming up" });
    expect(attempts).toBe(4);
    await expect(users.getUser({ id: "u" }, { retry: false })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(attempts).toBe(5);
  });

  it("never retries an error a retry cannot fix", async () => {
    let attempts = 0;
    const baseUrl = await serve({
      getUser: async () => {
        attempts++;
        throw invalidArgument("bad id", [{ field: "id", description: "must not be empty" }]);
      },
    });
    const users = createUsersWebClient({ baseUrl, retry: { baseDelayMs: 1 } });
    await expect(users.getUser({ id: "" })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    expect(attempts).toBe(1);
  });

  it("stops retrying once the retry budget is spent", async () => {
    let attempts = 0;
    const baseUrl = await serve({
      getUser: async () => {
        attempts++;
        throw unavailable("down");
      },
    });
    const users = createUsersWebClient({ baseUrl, retry: { baseDelayMs: 1, budget: { maxTokens: 4, tokenRatio: 0.1 } } });
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    // 4 tokens, one per failure; retries only while more than half are left: 2 attempts.
    expect(attempts).toBe(2);
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    // The budget is spent: the next call makes its one attempt only.
    expect(attempts).toBe(3);
  });

  it("waits the delay of the server's RetryInfo", async () => {
    const at: number[] = [];
    const baseUrl = await serve({
      getUser: async ({ id }) => {
        at.push(Date.now());
        if (at.length === 1) throw unavailable("overloaded", 250);
        return { user: user(id) };
      },
    });
    const delays: number[] = [];
    const users = createUsersWebClient({ baseUrl, retry: { onRetry: (e) => delays.push(e.delayMs) } });
    await users.getUser({ id: "u" });
    expect(delays).toEqual([250]);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(240);
  });

  it("decodes BadRequest and carries the server's request id; an internal error shows nothing internal", async () => {
    const requestIds: string[] = [];
    const baseUrl = await serve({
      createUser: async (_, context) => {
        requestIds.push(context.requestId);
        throw invalidArgument("invalid user", [
          { field: "user.email", description: "must be a valid email address" },
          { field: "user.name", description: "must not be empty" },
        ]);
      },
      getUser: async () => {
        throw new Error("connection string postgres://admin:secret@db");
      },
    });
    const users = createUsersWebClient({ baseUrl });
    const error = await users.createUser({ user: { email: "nope" } }).catch((e: unknown) => e);
    expect(isInvalidArgument(error)).toBe(true);
    const callError = error as CallError;
    expect(callError).toBeInstanceOf(CallError);
    expect(callError.badRequest?.fieldViolations.map(({ field, description }) => ({ field, description }))).toEqual([
      { field: "user.email", description: "must be a valid email address" },
      { field: "user.name", description: "must not be empty" },
    ]);
    expect(callError.requestId).toBe(requestIds[0]);

    const internal = (await users.getUser({ id: "u" }).catch((e: unknown) => e)) as CallError;
    expect(internal.code).toBe(Status.INTERNAL);
    expect(internal.details).not.toContain("secret");
    expect(internal.message).not.toContain("postgres");
  });

  it("an aborted call or stream reaches the server handler's signal", async () => {
    const signals: AbortSignal[] = [];
    const baseUrl = await serve({
      getUser: (_, context) => {
        signals.push(context.signal);
        return untilAborted(context.signal);
      },
      async *watchUsers(_, context): AsyncGenerator<WatchUsersResponse> {
        signals.push(context.signal);
        yield { changeType: 1, user: { ...user("first"), role: 0, tags: [], labels: {}, etag: "", loginCount: 0n }, changeTime: undefined };
        await untilAborted(context.signal);
      },
    });
    const users = createUsersWebClient({ baseUrl });
    const unary = new AbortController();
    const pending = users.getUser({ id: "u" }, { signal: unary.signal });
    await expect.poll(() => signals.length).toBe(1);
    unary.abort();
    await expect(pending).rejects.toMatchObject({ code: Status.CANCELLED });
    await expect.poll(() => signals[0]?.aborted).toBe(true);

    const stream = new AbortController();
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const change of users.watchUsers({}, { signal: stream.signal })) {
          received.push(change.user?.id ?? "");
          stream.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: Status.CANCELLED });
    expect(received).toEqual(["first"]);
    await expect.poll(() => signals[1]?.aborted).toBe(true);
  });
});
