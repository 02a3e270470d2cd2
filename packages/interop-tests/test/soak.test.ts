// A bounded soak: mixed calls of every kind at high concurrency against one users-service process,
// with zero unexpected errors, bounded memory growth, and a summary of throughput and p50/p99
// latency printed at the end. ~12 s in the normal run; `pnpm run soak` (SOAK=1) runs 60 s.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createUsersClient, type UsersClient } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile, startLoad } from "./helpers/load.js";
import { fetchMetrics, sumOf } from "./helpers/metrics.js";
import { type ServiceProcess, startService } from "./helpers/service-process.js";
import { sleep, waitFor } from "./helpers/wait.js";

const SOAK = process.env.SOAK === "1";
const DURATION_MS = SOAK ? 60_000 : 12_000;
const CONCURRENCY = 64;
const MB = 1024 * 1024;

let service: ServiceProcess;
let client: UsersClient;
const pool: string[] = [];

async function memory(): Promise<{ heapMB: number; rssMB: number }> {
  service.child.kill("SIGUSR2"); // full GC (fixtures/gc-on-signal.cjs)
  await sleep(300);
  const samples = await fetchMetrics(service.metricsPort ?? 0, 10_000);
  const mb = (name: string) => Math.round((sumOf(samples, name) / MB) * 10) / 10;
  return { heapMB: mb("nodejs_heap_size_used_bytes"), rssMB: mb("process_resident_memory_bytes") };
}

beforeAll(async () => {
  service = await startService({
    metrics: true,
    nodeArgs: ["--expose-gc", "--require", join(import.meta.dirname, "fixtures/gc-on-signal.cjs")],
  });
  client = createUsersClient({ target: `127.0.0.1:${service.port}`, tracing: false });
  const result = await client.bulkCreateUsers(
    (async function* () {
      for (let i = 0; i < 500; i++)
        yield { user: { name: `Soak ${i}`, email: `soak-${i}@example.org`, tags: [i % 10 === 0 ? "tenth" : "other"] } };
    })(),
  );
  pool.push(...result.createdIds);
});

afterAll(async () => {
  client?.close();
  await service?.[Symbol.asyncDispose]();
});

type Kind = "get" | "list" | "batchGet" | "stream" | "create" | "update" | "delete" | "sync";
/** Weights out of 20. */
const MIX: [Kind, number][] = [
  ["get", 7],
  ["list", 3],
  ["batchGet", 2],
  ["stream", 1],
  ["create", 3],
  ["update", 2],
  ["delete", 1],
  ["sync", 1],
];
const schedule: Kind[] = MIX.flatMap(([kind, weight]) => Array.from({ length: weight }, () => kind));

describe(`soak: ${DURATION_MS / 1000} s of mixed calls at concurrency ${CONCURRENCY}`, () => {
  it(
    "has zero unexpected errors, bounded memory growth, and reports throughput and p50/p99",
    async () => {
      // Warm-up, then the memory baseline.
      await Promise.all(Array.from({ length: 200 }, (_, i) => client.getUser({ id: pool[i % pool.length] ?? "" })));
      const before = await memory();
      const createdForDelete: string[] = [];
      const counts: Record<Kind, number> = { get: 0, list: 0, batchGet: 0, stream: 0, create: 0, update: 0, delete: 0, sync: 0 };
      const pick = (i: number) => pool[(i * 7919) % pool.length] ?? "";

      const load = startLoad({
        concurrency: CONCURRENCY,
        maxCalls: 10_000_000,
        maxDurationMs: DURATION_MS,
        call: async (i) => {
          const kind = schedule[i % schedule.length] as Kind;
          counts[kind]++;
          switch (kind) {
            case "get": {
              const { user } = await client.getUser({ id: pick(i) });
              if (user?.id !== pick(i)) throw new Error("GetUser returned another user");
              return;
            }
            case "list": {
              const page = await client.listUsers({ pageSize: 20, filter: { tags: ["tenth"] } });
              if (page.users.length !== 20) throw new Error(`ListUsers returned ${page.users.length}`);
              return;
            }
            case "batchGet": {
              const ids = Array.from({ length: 10 }, (_, k) => pick(i + k));
              const { users, notFound } = await client.batchGetUsers({ ids });
              if (notFound.length > 0 || Object.keys(users).length !== new Set(ids).size) throw new Error("BatchGetUsers lost users");
              return;
            }
            case "stream": {
              let n = 0;
              for await (const _ of client.streamUsers({ filter: { tags: ["tenth"] } })) n++;
              if (n !== 50) throw new Error(`StreamUsers delivered ${n}`);
              return;
            }
            case "create": {
              const requestId = randomUUID();
              const { user } = await client.createUser({
                user: { name: `Created ${i}`, email: `created-${requestId}@example.org` },
                requestId,
              });
              if (user) createdForDelete.push(user.id);
              return;
            }
            case "update": {
              const { user } = await client.updateUser({ user: { id: pick(i), labels: { round: String(i) } }, updateMask: ["labels"] });
              if (user?.labels.round === undefined) throw new Error("UpdateUser lost the change");
              return;
            }
            case "delete": {
              const id = createdForDelete.shift();
              if (id !== undefined) await client.deleteUser({ id });
              return;
            }
            case "sync": {
              let n = 0;
              for await (const r of client.syncUsers(
                (async function* () {
                  yield {
                    operation: {
                      $case: "upsert" as const,
                      value: { id: pick(i), name: `Synced ${i}`, email: `soak-${pool.indexOf(pick(i))}@example.org` },
                    },
                  };
                  yield { operation: { $case: "delete" as const, value: { id: `missing-${i}` } } };
                })(),
              )) {
                n++;
                if (n === 1 && r.outcome !== 2) throw new Error(`SyncUsers upsert outcome ${r.outcome}: ${r.message}`);
              }
              if (n !== 2) throw new Error(`SyncUsers answered ${n}`);
            }
          }
        },
      });
      const result = await load.done;
      await waitFor("no calls in flight", async () =>
        sumOf(await fetchMetrics(service.metricsPort ?? 0), "grpc_server_calls_in_flight") === 0 ? true : undefined,
      );
      const after = await memory();

      const sorted = [...result.latenciesMs].sort((a, b) => a - b);
      const calls = result.ok + result.failed;
      const summary = {
        seconds: Math.round(result.elapsedMs / 100) / 10,
        calls,
        callsPerSecond: Math.round((calls / result.elapsedMs) * 1000),
        p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
        p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
        failures: result.failures,
        byKind: counts,
        heapMB: `${before.heapMB} → ${after.heapMB}`,
        rssMB: `${before.rssMB} → ${after.rssMB}`,
      };
      console.info(`soak summary: ${JSON.stringify(summary)}`);

      expect(result.failures, result.samples.join("\n")).toEqual({});
      expect(result.ok).toBeGreaterThan(1000);
      for (const [kind] of MIX) expect(counts[kind], kind).toBeGreaterThan(0);
      // Bounded growth: the store is on disk; what stays in the heap after a full GC is not per call.
      expect(after.heapMB - before.heapMB).toBeLessThan(SOAK ? 30 : 20);
      expect(after.rssMB - before.rssMB).toBeLessThan(SOAK ? 200 : 150);
      expect(service.child.exitCode).toBeNull();
    },
    DURATION_MS + 120_000,
  );
});
