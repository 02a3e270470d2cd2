// @org/server, with its defaults and with every middleware on.
import { createHmac } from "node:crypto";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createServer, type ServerOptions } from "@org/server";
import { prevModule, prevName } from "../internal/prev.js";
import { type RegisteredTracing, registerTracing } from "../internal/tracing.js";
import type { WorkCounters } from "../internal/workload.js";
import { niceImplementation } from "./nice-grpc-impl.js";
import { handledOk } from "./prom-count.js";
import type { RunningServer } from "./running-server.js";

/** HS256 secret of the benchmark's tokens (≥ 32 characters, as @org/server requires). */
export const BENCH_JWT_SECRET = "bench-secret-bench-secret-bench-secret";

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** A valid HS256 JWT for `subject`, valid for a day: the bearer token every load generator sends. */
export function benchToken(subject = "bench-client", nowSec = Math.floor(Date.now() / 1000)): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: subject, iat: nowSec, exp: nowSec + 86_400, aud: "bench" }));
  const signature = createHmac("sha256", BENCH_JWT_SECRET).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** `createServer` of the current build, or of the saved one for `@prev` configurations. */
async function factory(prev: boolean): Promise<typeof createServer> {
  if (!prev) return createServer;
  return ((await import(prevModule("server", prevName()).href)) as { createServer: typeof createServer }).createServer;
}

async function start(
  counters: WorkCounters,
  options: ServerOptions,
  tracing: RegisteredTracing | undefined,
  prev: boolean,
): Promise<RunningServer> {
  const server = (await factory(prev))({ handleSignals: false, ...options });
  server.add(UsersServiceDefinition, niceImplementation(counters));
  const port = await server.listen("127.0.0.1:0");
  return {
    port,
    okFromMetrics: () => handledOk(server.metricsRegistry),
    ...(tracing ? { exportedSpans: tracing.exportedSpans } : {}),
    close: async () => {
      await server.shutdown();
      await tracing?.shutdown();
    },
  };
}

/** `createServer()` with nothing changed (logs at info to stdout, metrics, reflection, health). */
export function startOrgServer(counters: WorkCounters, prev = false): Promise<RunningServer> {
  return start(counters, {}, undefined, prev);
}

/** Every middleware on: JWT auth, a rate limit that never triggers, info logs, metrics, tracing. */
export function startOrgServerAll(counters: WorkCounters, prev = false): Promise<RunningServer> {
  const tracing = registerTracing();
  return start(
    counters,
    {
      logLevel: "info",
      metrics: true,
      tracing: true,
      auth: { jwt: { secret: BENCH_JWT_SECRET, audience: "bench" } },
      rateLimit: { rps: 1e9 },
    },
    tracing,
    prev,
  );
}
