// Suite: what PostgreSQL costs the users service against its embedded SQLite. One replica (the
// users service's own dist/main.js, pinned to the server core) on SQLite (a file in a temp dir,
// WAL, synchronous=FULL) or on PostgreSQL (a real server from @org/test-postgres on 127.0.0.1, not
// pinned: the database gets whatever core is free, as it would on its own host), driven by a
// closed loop of @org/client calls from this process: GetUser of seeded users, and CreateUser with
// request ids. Calls/s with p50/p99 latency; ratios to SQLite.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CallError, createUsersClient, Status, type UsersClient } from "@org/client";
import { startPostgres, type TestPostgres } from "@org/test-postgres";
import type { BenchSettings } from "../internal/args.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import { percentile } from "../internal/stats.js";
import type { GroupRunner } from "./group.js";
import { pick } from "./group.js";

export const STORE_CONFIGS = ["sqlite", "postgresql"] as const;
export type StoreConfig = (typeof STORE_CONFIGS)[number];
const LABELS: Record<StoreConfig, string> = { sqlite: "SQLite (embedded, default)", postgresql: "PostgreSQL (DATABASE_URL)" };
const OPS = ["get", "create"] as const;
type StoreOp = (typeof OPS)[number];

const CONCURRENCY = 16;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
const SEEDED = 200;
const serviceMain = fileURLToPath(new URL("../../../users-service/dist/main.js", import.meta.url));

export function storeSpec(op: StoreOp): SuiteSpec {
  const what = op === "get" ? "GetUser of seeded users" : "CreateUser with a request id";
  return {
    id: `store-${op}`,
    title: `Users service ${op === "get" ? "GetUser" : "CreateUser"}: SQLite vs PostgreSQL, one replica`,
    description: `${what} through @org/client, ${CONCURRENCY} calls in flight, against one users-service process on each store; calls/s and latency, ratio to SQLite.`,
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "sqlite",
    digits: 0,
    extras: [
      { key: "p50Ms", label: "p50 ms", digits: 2 },
      { key: "p99Ms", label: "p99 ms", digits: 2 },
    ],
  };
}

interface Service {
  client: UsersClient;
  stop(): Promise<void>;
}

async function startService(store: StoreConfig, settings: BenchSettings): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), "bench-store-"));
  const port = await freePort();
  let postgres: TestPostgres | undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    GRPC_LISTEN: `127.0.0.1:${port}`,
    USERS_DB: join(dir, "users.db"),
  };
  if (store === "postgresql") {
    postgres = await startPostgres();
    env.DATABASE_URL = await postgres.createDatabase();
  }
  const child = spawn("taskset", ["-c", String(settings.serverCpu), process.execPath, serviceMain], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const cleanup = async () => {
    child.kill("SIGKILL");
    await postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let exited: number | null | undefined;
    child.once("exit", (code) => {
      exited = code;
    });
    const client = createUsersClient({ target: `127.0.0.1:${port}`, tracing: false, retry: false });
    // Ready once it answers (NOT_FOUND for an unknown id); bounded in time.
    for (let waited = 0; ; waited += 100) {
      if (exited !== undefined) throw new Error(`users service (${store}) exited with ${exited}`);
      const ready = await client.getUser({ id: "readiness-probe" }).then(
        () => true,
        (error: unknown) => error instanceof CallError && error.code === Status.NOT_FOUND,
      );
      if (ready) break;
      if (waited > 30_000) throw new Error(`users service (${store}) did not answer in 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      client,
      async stop() {
        client.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Runs `call` in a closed loop of CONCURRENCY workers for `ms`; latencies in ms. */
async function loop(
  ms: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ calls: number; failures: number; latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let issued = 0;
  let failures = 0;
  const start = performance.now();
  const until = start + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until && issued < 2_000_000) {
        const i = issued++;
        const t = performance.now();
        try {
          await call(i);
          latencies.push(performance.now() - t);
        } catch (error) {
          if (!(error instanceof CallError) || error.code !== Status.ALREADY_EXISTS) failures++;
        }
      }
    }),
  );
  return { calls: latencies.length, failures, latencies, seconds: (performance.now() - start) / 1000 };
}

export async function storeSample(store: StoreConfig, op: StoreOp, settings: BenchSettings, round: number): Promise<Sample> {
  const service = await startService(store, settings);
  try {
    const { client } = service;
    const ids: string[] = [];
    for (let i = 0; i < SEEDED; i++) {
      const { user } = await client.createUser({ user: { name: `Seed ${i}`, email: `seed-${round}-${i}@example.org`, tags: ["bench"] } });
      ids.push(user!.id);
    }
    let n = 0;
    const call =
      op === "get"
        ? (i: number) => client.getUser({ id: ids[i % ids.length]! })
        : () => {
            const k = `${round}-${n++}-${process.hrtime.bigint()}`;
            return client.createUser({ user: { name: `Bench ${k}`, email: `bench-${k}@example.org` }, requestId: `bench-${k}` });
          };
    await loop(settings.client.warmupMs, call);
    const r = await loop(settings.client.measureMs, call);
    const sorted = r.latencies.sort((a, b) => a - b);
    return {
      round,
      value: r.calls / r.seconds,
      failures: r.failures,
      extra: { p50Ms: percentile(sorted, 0.5, true), p99Ms: percentile(sorted, 0.99, true), calls: r.calls },
    };
  } finally {
    await service.stop();
  }
}

export const storeGroup: GroupRunner = {
  id: "store",
  suites: OPS.map((op) => ({ id: `store-${op}`, configs: STORE_CONFIGS })),
  async run({ settings, recorder, round }) {
    for (const op of OPS) {
      const spec = storeSpec(op);
      for (const c of pick(settings, STORE_CONFIGS, spec.baseline, round)) {
        await recorder.sample(spec, c, LABELS[c], round, () => storeSample(c, op, settings, round));
      }
    }
  },
};
