// Suite 2: client throughput with `concurrency` calls in flight against the bare grpc-js server,
// and the client process's CPU per call. The server counts what it answered; a sample's failures
// are calls the client or the server did not see succeed.
import type { ClientRunResult } from "../client-main.js";
import type { BenchSettings } from "../internal/args.js";
import { type Child, startChild } from "../internal/child.js";
import type { ClientConfigId } from "../internal/configs.js";
import { pairedRatio, runAbba, sideTotals, type Window } from "../internal/paired.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import type { PairedSample } from "./group.js";
import { startServerChild } from "./server-child.js";

export const UNARY_CLIENT_CONFIGS: ClientConfigId[] = ["grpc-js", "nice-grpc", "org-client", "org-client-traced", "http2"];

export function unaryClientSpec(settings: BenchSettings): SuiteSpec {
  return {
    id: "unary-client",
    title: "Client unary throughput",
    description: `GetUser with ${settings.client.concurrency} calls in flight on one channel, against the bare grpc-js server; calls/s, and client CPU per call. Paired with the bare grpc-js client in ABBA windows.`,
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    cpuKey: "clientCpuUsPerCall",
    extras: [{ key: "clientCpuUsPerCall", label: "client CPU µs/call", digits: 1 }],
  };
}

/**
 * One round of client `config` against the bare grpc-js client: both client processes run on the
 * load core against one bare grpc-js server, and take turns in ABBA windows (the first window of
 * each warms it up fully, later ones briefly).
 */
export async function unaryClientSample(config: ClientConfigId, settings: BenchSettings, round: number): Promise<PairedSample> {
  const referenceConfig: ClientConfigId = "grpc-js";
  const server = await startServerChild("grpc-js", settings.serverCpu);
  const clients: Child<{ type: "ready" }>[] = [];
  try {
    for (const c of [referenceConfig, config]) {
      clients.push(await startChild<{ type: "ready" }>({ script: "client-main.js", args: [c], cpu: settings.loadCpu }));
    }
    const [ref, cand] = clients as [Child<{ type: "ready" }>, Child<{ type: "ready" }>];
    const { warmupMs, measureMs, concurrency, windows: count } = settings.client;
    const windowMs = measureMs / (count / 2);
    const failures = { reference: 0, candidate: 0 };
    const windows = await runAbba(count, async (side, i) => {
      const client = side === "reference" ? ref : cand;
      const warm = i < 2 ? warmupMs : Math.min(warmupMs, 300);
      const before = await server.stats();
      const r = await client.request<ClientRunResult>(
        { type: "run", port: server.port, concurrency, warmupMs: warm, measureMs: windowMs, maxMs: windowMs * 4 },
        warm + windowMs * 4 + 30_000,
      );
      const after = await server.stats();
      const served = after.counters.unaryOk - before.counters.unaryOk;
      failures[side] += r.failures + Math.abs(r.warmupOk + r.calls - served);
      return { side, calls: r.calls, seconds: r.elapsedMs / 1000, cpuUs: r.cpuUs };
    });
    const paired = pairedRatio(windows);
    const sample = (side: Window["side"]): Sample => {
      const totals = sideTotals(windows, side);
      const candidate = side === "candidate";
      return {
        round,
        value: totals.throughput,
        failures: failures[side],
        extra: {
          clientCpuUsPerCall: totals.cpuUsPerCall,
          pairedRatio: candidate ? paired.throughput : 1,
          cpuRatio: candidate ? paired.cpuEfficiency : 1,
          calls: totals.calls,
        },
      };
    };
    return { candidate: sample("candidate"), reference: sample("reference"), referenceConfig };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop();
  }
}
