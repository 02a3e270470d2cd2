// A rolling graceful restart of three servers (SIGTERM, wait for exit, start again on the same
// port) under a bounded load of idempotent calls through one round-robin @org/client: no call
// fails — the only failed attempts are UNAVAILABLE ones the client retried to success — no create
// is lost or duplicated, every server exits 0, long streams on a stopping server end with
// UNAVAILABLE "server is shutting down", and the client resumes them on the restarted server.
import { randomUUID } from "node:crypto";
import { CallError, createUsersClient, type RetryEvent, Status, type UsersClient } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { startLoad } from "./helpers/load.js";
import { sleep, waitFor, withTimeout } from "./helpers/wait.js";

const SEEDED = 200;

let cluster: Cluster;
let client: UsersClient;
const retries: RetryEvent[] = [];
const seeded: string[] = [];
const memberClients: UsersClient[] = [];
/** Users created to trigger watch events, outside the load. */
let watchTriggers = 0;
/** How each slowly read stream on a stopping server ended. */
const streamEnds: string[] = [];

/** A client bound to one member (for streams that must land on it). */
function memberClient(slot: number): UsersClient {
  const member = cluster.members[slot];
  if (!member) throw new Error(`no member ${slot}`);
  const c = createUsersClient({ target: `127.0.0.1:${member.port}`, tracing: false });
  memberClients.push(c);
  return c;
}

interface LongStreams {
  /** Settles with how the watch ended after its first event. */
  watch: Promise<unknown>;
  /** Settles with how the slowly read StreamUsers (of the seeded users) ended, and how many it got. */
  stream: Promise<{ received: number; error: unknown }>;
  /** Users the StreamUsers call has delivered so far. */
  readonly streamed: number;
}

/** Opens a watch (that has delivered an event) and a slowly read StreamUsers on one member. */
async function openLongStreams(slot: number, signal?: AbortSignal): Promise<LongStreams> {
  const c = memberClient(slot);
  const tag = randomUUID().slice(0, 8);
  const watch = c.watchUsers({ filter: { query: tag } }, { signal })[Symbol.asyncIterator]();
  const first = watch.next();
  // A watch only sees changes after it is registered: create until the first event arrives (bounded).
  for (let i = 0; i < 20; i++) {
    await c.createUser({ user: { name: `Watched ${tag}`, email: `watched-${i}-${tag}@example.org` } });
    watchTriggers++;
    const got = await Promise.race([first.then(() => true), sleep(200).then(() => false)]);
    if (got) break;
  }
  expect((await withTimeout("the first watch event", first, 5000)).done).toBe(false);
  const watchEnded = (async () => {
    for (;;) {
      const next = await watch.next();
      if (next.done) return "done";
    }
  })().catch((error: unknown) => error);

  let received = 0;
  const streamEnded = (async () => {
    try {
      for await (const _ of c.streamUsers({ filter: { query: "rolling-seed-" } }, { signal })) {
        received++;
        await sleep(20); // a slow reader: the stream is mid-way when the server stops
      }
      return { received, error: undefined };
    } catch (error) {
      return { received, error };
    }
  })();
  // Once a stream has delivered a message it is never retried, so its end is what the client sees.
  await waitFor("the stream's first users", () => (received >= 5 ? true : undefined));
  return {
    watch: watchEnded,
    stream: streamEnded,
    get streamed() {
      return received;
    },
  };
}

function expectShutdownUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(CallError);
  expect((error as CallError).code).toBe(Status.UNAVAILABLE);
  expect((error as CallError).details).toBe("server is shutting down");
}

beforeAll(async () => {
  cluster = await startCluster(3);
  client = createUsersClient({ target: cluster.targets, tracing: false, retry: { onRetry: (e) => retries.push(e) } });
  const result = await client.bulkCreateUsers(
    (async function* () {
      // ~4 kB each: a stream of them outgrows the HTTP/2 window and socket buffers, so a slow reader
      // is still mid-stream when its server stops.
      for (let i = 0; i < SEEDED; i++)
        yield {
          user: {
            name: `Seed ${i}`,
            email: `rolling-seed-${i}@example.org`,
            labels: { pad: "p".repeat(250), ...Object.fromEntries(Array.from({ length: 15 }, (_, k) => [`k${k}`, "v".repeat(250)])) },
          },
        };
    })(),
  );
  expect(result.createdCount).toBe(SEEDED);
  seeded.push(...result.createdIds);
});

afterAll(async () => {
  for (const c of memberClients.splice(0)) c.close();
  client?.close();
  await cluster?.[Symbol.asyncDispose]();
});

describe("rolling graceful restart under load", () => {
  it("fails no call, loses and duplicates no create, ends long streams with UNAVAILABLE and lets them resume", async () => {
    const before = (await client.listUsers({ pageSize: 1 })).totalSize;
    const created = new Map<string, string>();
    const load = startLoad({
      concurrency: 8,
      maxCalls: 100_000,
      maxDurationMs: 90_000,
      call: async (i) => {
        switch (i % 4) {
          case 0: {
            const requestId = randomUUID();
            const { user } = await client.createUser({ user: { name: `Load ${i}`, email: `rolling-${requestId}@example.org` }, requestId });
            created.set(requestId, user?.id ?? "");
            return;
          }
          case 1:
            return client.listUsers({ pageSize: 10 });
          default: {
            const id = seeded[i % seeded.length] ?? "";
            const { user } = await client.getUser({ id });
            if (user?.id !== id) throw new Error("wrong user");
          }
        }
      },
    });

    try {
      await waitFor("traffic on all three", async () =>
        (await Promise.all([0, 1, 2].map((s) => cluster.usersCalls(s)))).every((n) => n > 0) ? true : undefined,
      );
      for (let slot = 0; slot < 3; slot++) {
        const victim = cluster.members[slot];
        if (!victim) throw new Error(`no member ${slot}`);
        const streams = await openLongStreams(slot);
        const completedBefore = load.completed;

        const exit = await victim.stop("SIGTERM", 20_000);
        expect(exit).toEqual({ code: 0, signal: null });
        expectShutdownUnavailable(await withTimeout("the watch to end", streams.watch, 5000));
        // A stream the server finished before the signal may still be in the socket buffers: then it
        // ends OK with every user. Otherwise it ends UNAVAILABLE — never silently short.
        const stream = await withTimeout("the stream to end", streams.stream, 10_000);
        streamEnds.push(stream.error === undefined ? "OK" : "UNAVAILABLE");
        if (stream.error === undefined) expect(stream.received).toBe(SEEDED);
        else expectShutdownUnavailable(stream.error);

        const restarted = await victim.restart();
        cluster.members[slot] = restarted;
        // grpc-js reconnects with backoff (1 s, ×1.6): the new process must get calls again.
        await waitFor(`member ${slot} to get traffic again`, async () => ((await cluster.usersCalls(slot)) > 0 ? true : undefined), {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        expect(load.completed).toBeGreaterThan(completedBefore);

        // The client resumes: a new watch on the restarted server sees the next change there.
        const done = new AbortController();
        const resumed = await openLongStreams(slot, done.signal);
        done.abort();
        const [watchEnd, streamEnd] = await withTimeout("the resumed streams to end", Promise.all([resumed.watch, resumed.stream]), 5000);
        expect([(watchEnd as CallError).code, (streamEnd.error as CallError).code]).toEqual([Status.CANCELLED, Status.CANCELLED]);
      }
    } finally {
      const result = await load.stop();
      console.info(
        `rolling restart: ${result.ok} calls ok, ${result.failed} failed, ${retries.length} retries (${[...new Set(retries.map((r) => Status[r.error.code]))].join(", ") || "none"}), streams ended ${streamEnds.join("/")}`,
        result.samples,
      );
      expect(result.failures).toEqual({});
      expect(result.ok).toBeGreaterThan(500);
    }

    expect(retries.every((r) => r.error.code === Status.UNAVAILABLE)).toBe(true);
    const ids = [...created.values()];
    expect(new Set(ids).size).toBe(ids.length);
    expect((await client.listUsers({ pageSize: 1 })).totalSize - before).toBe(created.size + watchTriggers);
  });
});
