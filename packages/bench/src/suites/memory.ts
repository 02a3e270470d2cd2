// Suite 5: server memory per open idle stream. The generator opens `streams` WatchUsers streams
// (handlers wait for cancellation) on `connections` connections; RSS and heap are read after a
// full GC before and after, on connections already open and warmed.
import type { BenchSettings } from "../internal/args.js";
import { startChild } from "../internal/child.js";
import type { ServerConfigId } from "../internal/configs.js";
import type { Sample, SuiteSpec } from "../internal/results.js";
import { type ServerChild, sleep, startServerChild } from "./server-child.js";

/** `http2-bare` is the floor: what Node's HTTP/2 itself costs per open stream, with no gRPC runtime. */
export const MEMORY_CONFIGS: ServerConfigId[] = ["grpc-js", "http2-bare", "nice-grpc", "org-server"];

export function memorySpec(settings: BenchSettings): SuiteSpec {
  return {
    id: "idle-stream-memory",
    title: "Server memory per idle stream",
    description: `${settings.memory.streams.toLocaleString("en")} open WatchUsers streams on ${settings.memory.connections} connections; RSS growth after a full GC, KiB per stream (lower is better).`,
    unit: "KiB/stream",
    higherIsBetter: false,
    baseline: "grpc-js",
    digits: 2,
    extras: [
      { key: "heapKiBPerStream", label: "heap KiB/stream", digits: 2 },
      { key: "steadyKiBPerStream", label: "RSS KiB/stream, young generation at its maximum", digits: 2 },
    ],
  };
}

async function waitForWatches(server: ServerChild, count: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  let open = -1;
  while (Date.now() < end) {
    open = (await server.stats()).counters.openWatches;
    if (open === count) return open;
    await sleep(100);
  }
  return open;
}

/**
 * V8's young generation fixed at its default maximum (16 MiB semi-spaces on 64-bit), where any
 * server under load has it: the RSS growth is then what the streams keep. With the defaults it
 * starts small and grows once, by up to 16 MiB, when enough survives; whether that one-off growth
 * falls before the baseline (during the warm-up) or inside the measurement depends on how much the
 * server allocated before, and it moves the default figure by about 1.6 KiB a stream at 10,000 streams.
 */
const STEADY_YOUNG_GENERATION = ["--min-semi-space-size=16", "--max-semi-space-size=16"];

/** RSS and heap growth per open idle stream, and the streams that opened. */
async function idleGrowth(config: ServerConfigId, settings: BenchSettings, nodeFlags: string[]) {
  const server = await startServerChild(config, settings.serverCpu, true, nodeFlags);
  try {
    const load = await startChild<{ type: "ready" }>({ script: "load-main.js", args: [], cpu: settings.loadCpu });
    try {
      const { streams, connections } = settings.memory;
      // Warm-up: the connections and the code paths of a stream exist before the baseline.
      await load.request({ type: "open-idle", port: server.port, streams: 200, connections }, 30_000);
      await waitForWatches(server, 200, 30_000);
      await load.request({ type: "close-idle-streams" }, 30_000);
      await waitForWatches(server, 0, 30_000);
      const before = await server.stats({ gc: true });
      await load.request({ type: "open-idle", port: server.port, streams, connections }, 60_000);
      const open = await waitForWatches(server, streams, 60_000);
      const after = await server.stats({ gc: true });
      return {
        rssKiB: (after.rssBytes - before.rssBytes) / streams / 1024,
        heapKiB: (after.heapUsedBytes - before.heapUsedBytes) / streams / 1024,
        open,
      };
    } finally {
      await load.stop();
    }
  } finally {
    await server.stop();
  }
}

export async function memorySample(config: ServerConfigId, settings: BenchSettings, round: number): Promise<Sample> {
  const { streams } = settings.memory;
  const growth = await idleGrowth(config, settings, []);
  const steady = await idleGrowth(config, settings, STEADY_YOUNG_GENERATION);
  return {
    round,
    value: growth.rssKiB,
    failures: Math.max(0, streams - growth.open) + Math.max(0, streams - steady.open),
    extra: { heapKiBPerStream: growth.heapKiB, steadyKiBPerStream: steady.rssKiB, streams: growth.open },
  };
}
