// Suite 3: streaming messages per second, server streaming (1 and 10 concurrent streams) and
// client streaming, with the raw node:http2 load generator of load-main.ts on the other core.
// Both sides count: the server the messages it wrote or read, the generator what it received
// and the gRPC status.

import type { BenchSettings } from "../internal/args.js";
import { startChild } from "../internal/child.js";
import type { ServerConfigId } from "../internal/configs.js";
import { pairedRatio, runAbba, sideTotals, type Window } from "../internal/paired.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import type { ClientStreamResult, ServerStreamResult } from "../load-main.js";
import type { PairedSample } from "./group.js";
import { cpuDeltaUs, type ServerChild, startServerChild } from "./server-child.js";

export const STREAMING_CONFIGS: ServerConfigId[] = ["grpc-js", "nice-grpc", "org-server"];

export type StreamingKind = { kind: "server"; streams: number } | { kind: "client" };

export const STREAMING_KINDS: StreamingKind[] = [{ kind: "server", streams: 1 }, { kind: "server", streams: 10 }, { kind: "client" }];

export function streamingSpec(k: StreamingKind): SuiteSpec {
  const common = {
    unit: "msgs/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    cpuKey: "serverCpuUsPerMsg",
    extras: [{ key: "serverCpuUsPerMsg", label: "server CPU µs/msg", digits: 2 }],
  };
  return k.kind === "server"
    ? {
        id: `server-stream-${k.streams}`,
        title: `Server streaming, ${k.streams} concurrent stream${k.streams > 1 ? "s" : ""}`,
        description: `StreamUsers writing ~100-byte messages, handlers waiting for 'drain'; ${k.streams} stream${k.streams > 1 ? "s" : ""} on ${k.streams > 1 ? "separate connections" : "one connection"}; messages/s received. Paired with bare grpc-js in ABBA windows.`,
        ...common,
      }
    : {
        id: "client-stream",
        title: "Client streaming",
        description:
          "BulkCreateUsers: the generator writes ~100-byte messages while the HTTP/2 stream accepts them; messages/s counted by the server. Paired with bare grpc-js in ABBA windows.",
        ...common,
      };
}

async function once(
  k: StreamingKind,
  port: number,
  load: { request<R>(m: object, t: number): Promise<R> },
  messages: number,
  timeoutMs: number,
) {
  if (k.kind === "server") {
    const perStream = Math.max(1, Math.round(messages / k.streams));
    const r = await load.request<ServerStreamResult>(
      { type: "server-stream", port, streams: k.streams, messagesPerStream: perStream, timeoutMs },
      timeoutMs + 10_000,
    );
    return { expected: perStream * k.streams, received: r.messages, failed: k.streams - r.okStreams, elapsedMs: r.elapsedMs };
  }
  const r = await load.request<ClientStreamResult>({ type: "client-stream", port, messages, timeoutMs }, timeoutMs + 10_000);
  return { expected: messages, received: r.messages, failed: r.ok ? 0 : 1, elapsedMs: r.elapsedMs };
}

/**
 * One round of `config` against bare grpc-js: both servers run side by side on the server core
 * and one load generator alternates between them in ABBA windows, like the unary suite.
 */
export async function streamingSample(
  k: StreamingKind,
  config: ServerConfigId,
  settings: BenchSettings,
  round: number,
): Promise<PairedSample> {
  const referenceConfig: ServerConfigId = "grpc-js";
  const servers: ServerChild[] = [];
  try {
    for (const c of [referenceConfig, config]) servers.push(await startServerChild(c, settings.serverCpu));
    const [ref, cand] = servers as [ServerChild, ServerChild];
    const load = await startChild<{ type: "ready" }>({ script: "load-main.js", args: [], cpu: settings.loadCpu });
    try {
      const rates = new Map<ServerChild, number>();
      for (const server of servers) {
        const warm = await once(k, server.port, load, settings.stream.warmupMessages, 60_000);
        rates.set(server, warm.received / (warm.elapsedMs / 1000));
      }
      const windowSec = settings.stream.measureSec / (settings.stream.windows / 2);
      const failures = { reference: 0, candidate: 0 };
      const windows = await runAbba(settings.stream.windows, async (side) => {
        const server = side === "reference" ? ref : cand;
        const messages = Math.max(5_000, Math.round((rates.get(server) ?? 0) * windowSec));
        const before = await server.stats();
        const r = await once(k, server.port, load, messages, windowSec * 4_000 + 20_000);
        const after = await server.stats();
        const serverCount =
          k.kind === "server"
            ? after.counters.streamMessages - before.counters.streamMessages
            : after.counters.clientStreamMessages - before.counters.clientStreamMessages;
        failures[side] += Math.max(r.expected - r.received, r.expected - serverCount, 0) + r.failed;
        return { side, calls: r.received, seconds: r.elapsedMs / 1000, cpuUs: cpuDeltaUs(before, after) };
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
            serverCpuUsPerMsg: totals.cpuUsPerCall,
            pairedRatio: candidate ? paired.throughput : 1,
            cpuRatio: candidate ? paired.cpuEfficiency : 1,
            messages: totals.calls,
          },
        };
      };
      return { candidate: sample("candidate"), reference: sample("reference"), referenceConfig };
    } finally {
      await load.stop();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
