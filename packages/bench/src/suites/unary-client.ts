// Suite 2: client throughput with `concurrency` calls in flight against the bare grpc-js server,
// and the client process's CPU per call. The server counts what it answered; a sample's failures
// are calls the client or the server did not see succeed.
import type { ClientRunResult } from "../client-main.js";
import type { BenchSettings } from "../internal/args.js";
import { startChild } from "../internal/child.js";
import type { ClientConfigId } from "../internal/configs.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import { startServerChild } from "./server-child.js";

export const UNARY_CLIENT_CONFIGS: ClientConfigId[] = ["grpc-js", "nice-grpc", "org-client", "org-client-traced", "http2"];

export function unaryClientSpec(settings: BenchSettings): SuiteSpec {
  return {
    id: "unary-client",
    title: "Client unary throughput",
    description: `GetUser with ${settings.client.concurrency} calls in flight on one channel, against the bare grpc-js server; calls/s, and client CPU per call.`,
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    cpuKey: "clientCpuUsPerCall",
    extras: [{ key: "clientCpuUsPerCall", label: "client CPU µs/call", digits: 1 }],
  };
}

export async function unaryClientSample(config: ClientConfigId, settings: BenchSettings, round: number): Promise<Sample> {
  const server = await startServerChild("grpc-js", settings.serverCpu);
  try {
    const client = await startChild<{ type: "ready" }>({ script: "client-main.js", args: [config], cpu: settings.loadCpu });
    try {
      const before = await server.stats();
      const { warmupMs, measureMs, concurrency } = settings.client;
      const r = await client.request<ClientRunResult>(
        { type: "run", port: server.port, concurrency, warmupMs, measureMs, maxMs: measureMs * 4 },
        warmupMs + measureMs * 4 + 30_000,
      );
      const after = await server.stats();
      const served = after.counters.unaryOk - before.counters.unaryOk;
      const failures = r.failures + Math.abs(r.warmupOk + r.calls - served);
      return {
        round,
        value: r.calls / (r.elapsedMs / 1000),
        failures,
        extra: { clientCpuUsPerCall: r.cpuUs / r.calls, calls: r.calls },
      };
    } finally {
      await client.stop();
    }
  } finally {
    await server.stop();
  }
}
