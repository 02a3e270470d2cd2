// Three servers behind one round-robin @org/client; one is SIGKILLed during a bounded load of
// idempotent calls (reads and keyed creates): no call fails, no create is lost or duplicated,
// and the killed server, restarted on the same port, gets traffic again.
import { randomUUID } from "node:crypto";
import { createUsersClient, type UsersClient } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { startLoad } from "./helpers/load.js";
import { sleep, waitFor } from "./helpers/wait.js";

let cluster: Cluster;
let client: UsersClient;
const seeded: string[] = [];
let retries = 0;

beforeAll(async () => {
  cluster = await startCluster(3);
  client = createUsersClient({ target: cluster.targets, tracing: false, retry: { onRetry: () => retries++ } });
  for (let i = 0; i < 20; i++) {
    const { user } = await client.createUser({ user: { name: `Seed ${i}`, email: `seed-${i}-${randomUUID()}@example.org` } });
    seeded.push(user?.id ?? "");
  }
});

afterAll(async () => {
  client?.close();
  await cluster?.[Symbol.asyncDispose]();
});

describe("SIGKILL of one of three servers under load", () => {
  it("loses no call, no write, and the restarted server serves again", async () => {
    const before = (await client.listUsers({ pageSize: 1 })).totalSize;
    const created = new Map<string, string>(); // request id → user id
    const load = startLoad({
      concurrency: 8,
      maxCalls: 20_000,
      maxDurationMs: 45_000,
      call: async (i) => {
        switch (i % 4) {
          case 0: {
            const requestId = randomUUID();
            const { user } = await client.createUser({ user: { name: `Load ${i}`, email: `load-${requestId}@example.org` }, requestId });
            created.set(requestId, user?.id ?? "");
            return;
          }
          case 1:
            return client.listUsers({ pageSize: 5 });
          default: {
            const { user } = await client.getUser({ id: seeded[i % seeded.length] ?? "" });
            if (user?.id !== seeded[i % seeded.length]) throw new Error("wrong user");
          }
        }
      },
    });

    // Every member serves before the kill.
    await waitFor("traffic on all three", async () =>
      (await Promise.all([0, 1, 2].map((s) => cluster.usersCalls(s)))).every((n) => n > 0) ? true : undefined,
    );
    await sleep(500);
    const victim = cluster.members[1];
    if (!victim) throw new Error("no victim");
    victim.child.kill("SIGKILL");
    expect((await victim.exited).signal).toBe("SIGKILL");
    const atKill = load.completed;
    await sleep(1500);
    const duringOutage = load.completed - atKill;

    const restarted = await victim.restart();
    cluster.members[1] = restarted;
    // grpc-js reconnects with backoff (1 s initial, x1.6): the new process must see calls again.
    const served = await waitFor(
      "the restarted server to get traffic",
      async () => {
        const n = await cluster.usersCalls(1);
        return n > 0 ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const result = await load.stop();

    console.info(`kill under load: ${result.ok} calls ok, ${retries} retries, ${duringOutage} completed during the outage`, result.samples);
    expect(result.failures).toEqual({});
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(200);
    expect(duringOutage).toBeGreaterThan(20); // the other two kept serving while one was dead
    expect(served).toBeGreaterThan(0);

    // Nothing lost, nothing duplicated: every acknowledged create exists exactly once.
    const ids = [...created.values()];
    expect(new Set(ids).size).toBe(ids.length);
    const after = (await client.listUsers({ pageSize: 1 })).totalSize;
    expect(after - before).toBe(created.size);
    const found = await client.batchGetUsers({ ids: ids.slice(0, 1000) });
    expect(found.notFound).toEqual([]);
  });
});
