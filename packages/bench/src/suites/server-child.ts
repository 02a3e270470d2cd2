// Starting a server configuration in its pinned child and reading its counters.

import { type Child, startChild } from "../internal/child.js";
import type { ServerConfigId } from "../internal/configs.js";
import type { ServerStats } from "../server-main.js";

export interface ServerChild {
  port: number;
  stats(options?: { gc?: boolean; metrics?: boolean }): Promise<ServerStats>;
  stop(): Promise<void>;
}

export async function startServerChild(
  config: ServerConfigId,
  cpu: number,
  exposeGc = false,
  nodeFlags: string[] = [],
): Promise<ServerChild> {
  const child: Child<{ port: number }> = await startChild({
    script: "server-main.js",
    args: [config],
    cpu,
    nodeFlags: [...(exposeGc ? ["--expose-gc"] : []), ...nodeFlags],
  });
  return {
    port: child.ready.port,
    stats: (options = {}) => child.request<ServerStats>({ type: "stats", ...options }, 30_000),
    stop: () => child.stop(),
  };
}

/** Server CPU time (user + system) between two snapshots, µs. */
export function cpuDeltaUs(before: ServerStats, after: ServerStats): number {
  return after.cpuUserUs + after.cpuSystemUs - (before.cpuUserUs + before.cpuSystemUs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
