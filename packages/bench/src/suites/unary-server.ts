// Suite 1: server unary throughput and latency under h2load. The server counts the calls it
// answered OK (from its own metrics where it has them, else in the handler); a sample's failures
// are the requests h2load sent that the server did not answer OK.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetUserRequest } from "@org/api/org/users/v1";
import type { BenchSettings } from "../internal/args.js";
import type { ServerConfigId } from "../internal/configs.js";
import { unaryRequest } from "../internal/fixtures.js";
import { frameGrpcMessage } from "../internal/grpc-frame.js";
import { type H2loadLoad, runH2load } from "../internal/h2load.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import { benchToken } from "../servers/org-server.js";
import { cpuDeltaUs, sleep, startServerChild } from "./server-child.js";

export const UNARY_SERVER_CONFIGS: ServerConfigId[] = [
  "grpc-js",
  "nice-grpc",
  "nice-grpc-naive",
  "org-server",
  "org-server-all",
  "connect-node",
];

export function unaryServerSpec(settings: BenchSettings): SuiteSpec {
  const { connections, streamsPerConnection } = settings.unary;
  return {
    id: "unary-server",
    title: "Server unary throughput (h2load)",
    description: `GetUser (${unaryBody().length - 5}-byte request, 98-byte user) from h2load, ${connections} connections × ${streamsPerConnection} streams in flight; calls/s, and server CPU per call.`,
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    extras: [
      { key: "serverCpuUsPerCall", label: "server CPU µs/call", digits: 1 },
      { key: "p50Ms", label: "p50 ms", digits: 2 },
      { key: "p99Ms", label: "p99 ms", digits: 2 },
    ],
  };
}

export function unaryBody(): Buffer {
  return frameGrpcMessage(GetUserRequest.encode(unaryRequest).finish());
}

/** Writes the request body h2load sends; returns its path. */
export async function writeUnaryBody(dir: string): Promise<string> {
  const file = join(dir, "get-user.bin");
  await writeFile(file, unaryBody());
  return file;
}

export async function unaryServerSample(
  config: ServerConfigId,
  settings: BenchSettings,
  round: number,
  bodyFile: string,
  tmpDir: string,
): Promise<Sample> {
  const server = await startServerChild(config, settings.serverCpu);
  try {
    const base: H2loadLoad = {
      url: `http://127.0.0.1:${server.port}/org.users.v1.UsersService/GetUser`,
      bodyFile,
      // The same request bytes for every configuration; only @org/server with auth reads the token.
      headers: { "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${benchToken()}` },
      connections: settings.unary.connections,
      streamsPerConnection: settings.unary.streamsPerConnection,
    };
    const warm = await runH2load(
      { ...base, durationSec: settings.unary.warmupSec },
      settings.loadCpu,
      settings.unary.warmupSec * 1000 + 30_000,
    );
    await sleep(300); // let calls cut off at the end of the warm-up finish before counting
    const before = await server.stats({ metrics: true });
    const requests = Math.max(1_000, Math.round(warm.reqPerSec * settings.unary.measureSec));
    const run = await runH2load(
      { ...base, requests, logFile: join(tmpDir, `h2load-${config}-${round}.log`) },
      settings.loadCpu,
      settings.unary.measureSec * 4_000 + 30_000,
    );
    await sleep(100);
    const after = await server.stats({ metrics: true });
    const ok =
      after.okFromMetrics !== undefined && before.okFromMetrics !== undefined
        ? after.okFromMetrics - before.okFromMetrics
        : after.counters.unaryOk - before.counters.unaryOk;
    const badRequests = after.counters.unaryBadRequest - before.counters.unaryBadRequest;
    const failures = Math.max(requests - ok, requests - run.succeeded, 0) + badRequests;
    return {
      round,
      value: run.reqPerSec,
      failures,
      extra: {
        requests,
        serverCpuUsPerCall: cpuDeltaUs(before, after) / requests,
        p50Ms: run.p50Ms,
        p99Ms: run.p99Ms,
        h2loadElapsedSec: run.elapsedSec,
        ...(after.exportedSpans !== undefined ? { exportedSpans: after.exportedSpans - (before.exportedSpans ?? 0) } : {}),
      },
    };
  } finally {
    await server.stop();
  }
}
