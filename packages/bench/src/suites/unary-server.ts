// Suite 1: server unary throughput, latency and CPU per call under h2load. Each configuration is
// measured as a pair with its reference (bare grpc-js, or for gRPC-Web the same server over
// gRPC): both servers run side by side on the server core, and the load alternates between them
// in short ABBA windows, so that a change of machine speed during the sample hits both sides
// alike. The server counts the calls it answered OK (from its own metrics where it has them, else
// in the handler); failures are the requests h2load sent that the server did not answer OK.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetUserRequest } from "@org/api/org/users/v1";
import type { BenchSettings } from "../internal/args.js";
import type { ServerConfigId } from "../internal/configs.js";
import { unaryRequest } from "../internal/fixtures.js";
import { frameGrpcMessage } from "../internal/grpc-frame.js";
import { type H2loadLoad, runH2load } from "../internal/h2load.js";
import { pairedRatio, runAbba, sideTotals, type Window } from "../internal/paired.js";
import { preflight, protocolHeaders, type UnaryProtocol } from "../internal/preflight.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import { median } from "../internal/stats.js";
import { benchToken } from "../servers/org-server.js";
import type { PairedSample } from "./group.js";
import { cpuDeltaUs, type ServerChild, sleep, startServerChild } from "./server-child.js";

export const UNARY_SERVER_CONFIGS: ServerConfigId[] = [
  "grpc-js",
  "http2-bare",
  "http2-bare-defaults",
  "http2-bare-all",
  "nice-grpc",
  "nice-grpc-naive",
  "org-server",
  "org-server-all",
  "org-server-web",
  "connect-node",
];

/** The protocol h2load speaks to a configuration. */
export function unaryProtocol(config: string): UnaryProtocol {
  return config.startsWith("org-server-web") ? "grpc-web" : "grpc";
}

/** What a configuration is paired with: the same server over gRPC for gRPC-Web, else the suite baseline. */
export function unaryReference(config: string): ServerConfigId {
  return unaryProtocol(config) === "grpc-web" ? "org-server" : "grpc-js";
}

const PATH = "/org.users.v1.UsersService/GetUser";

export function unaryServerSpec(settings: BenchSettings): SuiteSpec {
  const { connections, streamsPerConnection, windows } = settings.unary;
  return {
    id: "unary-server",
    title: "Server unary throughput (h2load)",
    description:
      `GetUser (${unaryBody().length - 5}-byte request, 98-byte user) from h2load, ${connections} connections × ${streamsPerConnection} streams in flight. ` +
      `Each configuration runs beside its reference and the load alternates between them in ${windows} ABBA windows; ` +
      "the ratios are of the pair (calls/s, and calls per server CPU second).",
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    cpuKey: "serverCpuUsPerCall",
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

interface Side {
  config: ServerConfigId;
  server: ServerChild;
  load: H2loadLoad;
  rate: number;
  failures: number;
  p50Ms: number[];
  p99Ms: number[];
}

/** OK calls a server counted between two snapshots (its metrics where it has them). */
function okCalls(before: Awaited<ReturnType<ServerChild["stats"]>>, after: Awaited<ReturnType<ServerChild["stats"]>>): number {
  return after.okFromMetrics !== undefined && before.okFromMetrics !== undefined
    ? after.okFromMetrics - before.okFromMetrics
    : after.counters.unaryOk - before.counters.unaryOk;
}

async function measureWindow(
  side: Side,
  label: Window["side"],
  seconds: number,
  settings: BenchSettings,
  logFile: string,
): Promise<Window> {
  const before = await side.server.stats({ metrics: true });
  const requests = Math.max(200, Math.round(side.rate * seconds));
  const run = await runH2load({ ...side.load, requests, logFile }, settings.loadCpu, seconds * 4_000 + 30_000);
  await sleep(50); // metrics are updated after the response is written
  const after = await side.server.stats({ metrics: true });
  const ok = okCalls(before, after);
  const bad = after.counters.unaryBadRequest - before.counters.unaryBadRequest;
  side.failures += Math.max(requests - ok, requests - run.succeeded, 0) + bad;
  side.p50Ms.push(run.p50Ms);
  side.p99Ms.push(run.p99Ms);
  return { side: label, calls: ok, seconds: run.elapsedSec, cpuUs: cpuDeltaUs(before, after) };
}

/**
 * One round of `config` against its reference. Throws NotServedError when the configuration
 * does not serve the protocol (checked by one call before any load).
 */
export async function unaryServerSample(
  config: ServerConfigId,
  settings: BenchSettings,
  round: number,
  bodyFile: string,
  tmpDir: string,
): Promise<PairedSample> {
  const referenceConfig = unaryReference(config);
  const sides: Side[] = [];
  try {
    for (const c of [referenceConfig, config]) {
      const server = await startServerChild(c, settings.serverCpu);
      // The same request bytes for every configuration; only @org/server with auth reads the token.
      const headers = { authorization: `Bearer ${benchToken()}` };
      const protocol = unaryProtocol(c);
      sides.push({
        config: c,
        server,
        rate: 0,
        failures: 0,
        p50Ms: [],
        p99Ms: [],
        load: {
          url: `http://127.0.0.1:${server.port}${PATH}`,
          bodyFile,
          headers: { ...protocolHeaders(protocol), ...headers },
          connections: settings.unary.connections,
          streamsPerConnection: settings.unary.streamsPerConnection,
        },
      });
      await preflight(server.port, PATH, unaryBody(), protocol, headers);
    }
    const [ref, cand] = sides as [Side, Side];
    for (const side of sides) {
      const warm = await runH2load(
        { ...side.load, durationSec: settings.unary.warmupSec },
        settings.loadCpu,
        settings.unary.warmupSec * 1000 + 30_000,
      );
      side.rate = warm.reqPerSec;
    }
    await sleep(300); // let calls cut off at the end of the warm-up finish before counting
    const windowSec = settings.unary.measureSec / (settings.unary.windows / 2);
    const windows = await runAbba(settings.unary.windows, (label, i) =>
      measureWindow(label === "reference" ? ref : cand, label, windowSec, settings, join(tmpDir, `h2load-${config}-${round}-${i}.log`)),
    );
    const paired = pairedRatio(windows);
    const sample = (side: Side, label: Window["side"], isCandidate: boolean): Sample => {
      const totals = sideTotals(windows, label);
      return {
        round,
        value: totals.throughput,
        failures: side.failures,
        extra: {
          serverCpuUsPerCall: totals.cpuUsPerCall,
          pairedRatio: isCandidate ? paired.throughput : 1,
          cpuRatio: isCandidate ? paired.cpuEfficiency : 1,
          p50Ms: median(side.p50Ms),
          p99Ms: median(side.p99Ms),
          calls: totals.calls,
          windows: settings.unary.windows / 2,
        },
      };
    };
    return { candidate: sample(cand, "candidate", true), reference: sample(ref, "reference", false), referenceConfig };
  } finally {
    await Promise.all(sides.map((s) => s.server.stop()));
  }
}
