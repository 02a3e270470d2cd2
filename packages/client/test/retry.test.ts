import { ServerError, Status } from "nice-grpc";
import { RetryInfo, RichServerError } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import { CallError, createUsersClient, isDeadlineExceeded, isUnavailable, type RetryEvent } from "../src/index.js";
import { cleanupStack, hang, startDownServer, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

const unavailable = () => new ServerError(Status.UNAVAILABLE, "try again");

describe("retry", () => {
  it("retries UNAVAILABLE on an idempotent method and then succeeds", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          attempts++;
          if (attempts < 3) throw unavailable();
          return { user: user(req.id) };
        },
      }),
    );
    const events: RetryEvent[] = [];
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 10, onRetry: (e) => events.push(e) } }));
    const { user: got } = await users.getUser({ id: "u1" });
    expect(got?.id).toBe("u1");
    expect(attempts).toBe(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.every((e) => e.error.code === Status.UNAVAILABLE)).toBe(true);
  });

  it("does not retry a method without an idempotency mark (client-streaming BulkCreateUsers)", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async bulkCreateUsers(requests) {
          attempts++;
          for await (const _ of requests) {
          }
          throw unavailable();
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1 } }));
    async function* items() {
      yield { user: user("a") };
    }
    const error = await users.bulkCreateUsers(items()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe(Status.UNAVAILABLE);
    expect(attempts).toBe(1);
  });

  it("never retries NOT_FOUND, and per-call `retry: false` turns retries off", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          attempts++;
          throw req.id === "missing" ? new ServerError(Status.NOT_FOUND, "no such user") : unavailable();
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1 } }));
    await expect(users.getUser({ id: "missing" })).rejects.toMatchObject({ code: Status.NOT_FOUND });
    expect(attempts).toBe(1);
    await expect(users.getUser({ id: "x" }, { retry: false })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(attempts).toBe(2);
    expect(() => createUsersClient({ target: server.address, retry: { retryableCodes: [Status.NOT_FOUND] } })).toThrow(
      /NOT_FOUND is never retried/,
    );
  });

  it("fails with DEADLINE_EXCEEDED at the overall deadline, across attempts", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(_req, { signal }) {
          attempts++;
          if (attempts === 1) throw unavailable();
          return hang(signal);
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 10 } }));
    const started = Date.now();
    const error = await users.getUser({ id: "u" }, { deadlineMs: 400 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(isDeadlineExceeded(error)).toBe(true);
    expect(attempts).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("honours RetryInfo, and never sleeps past the deadline", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          attempts++;
          const delayMs = req.id === "long" ? 10_000 : 150;
          if (attempts % 2 === 1) {
            throw new RichServerError(Status.UNAVAILABLE, "overloaded", [
              RetryInfo.fromPartial({ retryDelay: { seconds: Math.floor(delayMs / 1000), nanos: (delayMs % 1000) * 1e6 } }),
            ]);
          }
          return { user: user(req.id) };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1, maxDelayMs: 1 } }));
    let started = Date.now();
    await users.getUser({ id: "short" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(attempts).toBe(2);

    // The server asks for 10 s, the deadline leaves 500 ms: fail now with the server's error.
    started = Date.now();
    const error = await users.getUser({ id: "long" }, { deadlineMs: 500 }).catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
    expect((error as CallError).retryInfo).toEqual({ retryDelayMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(400);
    expect(attempts).toBe(3);
  });

  it("keeps backoff within its exponential, fully jittered bounds", async () => {
    const server = cleanup.add(await startDownServer());
    const events: RetryEvent[] = [];
    const users = cleanup.add(
      createUsersClient({
        target: server.address,
        retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50, budget: false, onRetry: (e) => events.push(e) },
      }),
    );
    const started = Date.now();
    await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    const elapsed = Date.now() - started;
    expect(server.attempts).toBe(5);
    const caps = [20, 40, 50, 50];
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    events.forEach((e, i) => {
      expect(e.delayMs).toBeGreaterThanOrEqual(0);
      expect(e.delayMs).toBeLessThanOrEqual(caps[i] as number);
    });
    const slept = events.reduce((sum, e) => sum + e.delayMs, 0);
    expect(elapsed).toBeGreaterThanOrEqual(Math.floor(slept) - 5);
  });

  it("stops a retry storm with the retry budget", async () => {
    const server = cleanup.add(await startDownServer());
    const users = cleanup.add(
      createUsersClient({
        target: server.address,
        retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, budget: { maxTokens: 10, tokenRatio: 0.1 } },
      }),
    );
    const calls = 20;
    for (let i = 0; i < calls; i++) {
      await expect(users.getUser({ id: "u" })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    }
    // Without a budget: 20 × 5 = 100 attempts. With 10 tokens, each failure taking one and retries
    // only while more than 5 are left: the first call makes 5 attempts (10 → 5), later ones 1 each.
    expect(server.attempts).toBe(calls + 4);

    const server2 = cleanup.add(await startDownServer());
    const noBudget = cleanup.add(
      createUsersClient({ target: server2.address, retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, budget: false } }),
    );
    for (let i = 0; i < calls; i++) await noBudget.getUser({ id: "u" }).catch(() => undefined);
    expect(server2.attempts).toBe(calls * 5);
  });

  it("by default retries a burst of 50 failed attempts, then one attempt per call while the server stays down", async () => {
    const server = cleanup.add(await startDownServer());
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1, maxDelayMs: 2 } }));
    // A burst: 12 concurrent calls fail at once; all of them are retried up to maxAttempts (4).
    const burst = await Promise.allSettled(Array.from({ length: 12 }, () => users.getUser({ id: "u" })));
    expect(burst.every((r) => r.status === "rejected")).toBe(true);
    expect(server.attempts).toBe(48);
    // 100 tokens - 48 = 52: one more failure is retried (51), the next is not (50); from then on
    // every call makes one attempt.
    server.attempts = 0;
    for (let i = 0; i < 10; i++) await users.getUser({ id: "u" }).catch(() => undefined);
    expect(server.attempts).toBe(2 + 9);
  });

  it("retries a server stream that fails before its first message, not after", async () => {
    let attempts = 0;
    let failAfterFirst = false;
    const server = cleanup.add(
      await startUsersServer({
        async *streamUsers() {
          attempts++;
          if (!failAfterFirst && attempts === 1) throw unavailable();
          yield { user: user("1") };
          if (failAfterFirst) throw unavailable();
          yield { user: user("2") };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 1 } }));
    const ids: string[] = [];
    for await (const { user: u } of users.streamUsers({})) ids.push(u?.id ?? "");
    expect(ids).toEqual(["1", "2"]);
    expect(attempts).toBe(2);

    failAfterFirst = true;
    attempts = 0;
    const seen: string[] = [];
    const error = await (async () => {
      for await (const { user: u } of users.streamUsers({})) seen.push(u?.id ?? "");
    })().catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
    expect(seen).toEqual(["1"]);
    expect(attempts).toBe(1);
  });
});
