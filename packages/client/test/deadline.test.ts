import type * as grpc from "@grpc/grpc-js";
import { AbortError } from "abort-controller-x";
import type { CallContext, ServerMiddlewareCall } from "nice-grpc";
import { afterEach, describe, expect, it } from "vitest";
import { createUsersClient, isCancelled, isDeadlineExceeded, Metadata } from "../src/index.js";
import { incomingCallScope } from "../src/internal/incoming-call-scope.js";
import { cleanupStack, hang, remainingMs, startRawUsersServer, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

describe("deadlines", () => {
  it("sends the default, per-method and per-call deadlines on the wire", async () => {
    const seen: number[] = [];
    const downstream = cleanup.add(
      await startRawUsersServer({
        getUser(call, callback) {
          seen.push(remainingMs(call));
          callback(null, { user: user("d") });
        },
        listUsers(call, callback) {
          seen.push(remainingMs(call));
          callback(null, { users: [], nextPageToken: "", totalSize: 0 });
        },
        streamUsers(call: grpc.ServerWritableStream<unknown, unknown>) {
          seen.push(remainingMs(call));
          call.end();
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: downstream.address, methods: { listUsers: { deadlineMs: 3_000 } } }));
    await users.getUser({ id: "d" });
    await users.getUser({ id: "d" }, { deadlineMs: 1_500 });
    await users.listUsers({});
    for await (const _ of users.streamUsers({})) {
    }
    expect(seen[0]).toBeGreaterThan(9_000);
    expect(seen[0]).toBeLessThanOrEqual(10_000);
    expect(seen[1]).toBeGreaterThan(1_000);
    expect(seen[1]).toBeLessThanOrEqual(1_500);
    expect(seen[2]).toBeGreaterThan(2_500);
    expect(seen[2]).toBeLessThanOrEqual(3_000);
    expect(seen[3]).toBe(Number.POSITIVE_INFINITY);
  });

  it("fails a slow call with DEADLINE_EXCEEDED", async () => {
    const server = cleanup.add(await startUsersServer({ getUser: (_req, { signal }) => hang(signal) }));
    const users = cleanup.add(createUsersClient({ target: server.address, deadlineMs: 200 }));
    const error = await users.getUser({ id: "x" }).catch((e: unknown) => e);
    expect(isDeadlineExceeded(error)).toBe(true);
  });

  it("cancels through an AbortSignal", async () => {
    let serverSawAbort = false;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(_req, { signal }) {
          signal.addEventListener("abort", () => {
            serverSawAbort = true;
          });
          return hang(signal);
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address }));
    const controller = new AbortController();
    const pending = users.getUser({ id: "x" }, { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 100);
    expect(isCancelled(await pending)).toBe(true);
    await expect.poll(() => serverSawAbort).toBe(true);
  });
});

describe("deadline propagation through a server hop", () => {
  /** Runs each handler inside the incoming-call scope, as @org/server does. */
  async function* scopeMiddleware<Req, Res>(call: ServerMiddlewareCall<Req, Res>, context: CallContext) {
    const timeout = context.metadata.get("x-test-deadline-ms");
    const deadline = timeout === undefined ? undefined : new Date(Date.now() + Number(timeout));
    const scope = { deadline, signal: context.signal };
    // A generator's body runs on each `next()`, so each step runs inside the scope.
    const generator = call.next(call.request, context);
    try {
      let result = await incomingCallScope.run(scope, () => generator.next());
      while (!result.done) {
        yield result.value;
        result = await incomingCallScope.run(scope, () => generator.next());
      }
      return result.value;
    } catch (error) {
      // As @org/server does: once the incoming call is cancelled, nobody reads its error.
      if (context.signal.aborted) throw new AbortError();
      throw error;
    }
  }

  it("narrows the downstream deadline to the incoming one and cancels downstream with upstream", async () => {
    const seen: number[] = [];
    let downstreamCancelled = false;
    const downstream = cleanup.add(
      await startRawUsersServer({
        getUser(call, callback) {
          seen.push(remainingMs(call));
          if ((call.request as { id: string }).id === "hang") {
            call.on("cancelled", () => {
              downstreamCancelled = true;
            });
            return;
          }
          callback(null, { user: user("down") });
        },
      }),
    );
    // Downstream client: default deadline 10 s, no code in the handler about deadlines.
    const downstreamClient = cleanup.add(createUsersClient({ target: downstream.address }));
    const upstream = cleanup.add(
      await startUsersServer(
        {
          async getUser(req) {
            return downstreamClient.getUser({ id: req.id });
          },
        },
        { setup: (server) => server.use(scopeMiddleware) },
      ),
    );
    const client = cleanup.add(createUsersClient({ target: upstream.address }));

    const { user: got } = await client.getUser({ id: "ok" }, { metadata: metadataWithDeadline(800) });
    expect(got?.id).toBe("down");
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[0]).toBeLessThanOrEqual(800);

    const controller = new AbortController();
    const pending = client
      .getUser({ id: "hang" }, { signal: controller.signal, metadata: metadataWithDeadline(60_000) })
      .catch((e: unknown) => e);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]).toBeGreaterThan(9_000); // min(own 10 s, incoming 60 s)
    controller.abort();
    expect(isCancelled(await pending)).toBe(true);
    await expect.poll(() => downstreamCancelled).toBe(true);
  });
});

function metadataWithDeadline(ms: number) {
  return Metadata({ "x-test-deadline-ms": String(ms) });
}
