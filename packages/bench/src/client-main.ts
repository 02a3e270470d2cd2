// Child process: one client configuration making unary calls, `concurrency` in flight, against a
// server the harness started. Reports calls, failures, wall time and this process's CPU time.
// Usage (by the harness): node dist/client-main.js <config>
import type { CreateCaller } from "./clients/caller.js";
import { fail, send, serveRequests } from "./internal/child-side.js";
import { type ClientConfigId, isClientConfig } from "./internal/configs.js";

async function loader(id: ClientConfigId): Promise<CreateCaller> {
  switch (id) {
    case "grpc-js":
      return (await import("./clients/grpc-js.js")).grpcJsCaller;
    case "nice-grpc":
      return (await import("./clients/nice-grpc.js")).niceGrpcCaller;
    case "org-client":
      return (await import("./clients/org-client.js")).orgClientCaller;
    case "org-client@prev": {
      const { orgClientCaller } = await import("./clients/org-client.js");
      return (port) => orgClientCaller(port, true);
    }
    case "org-client-traced":
      return (await import("./clients/org-client.js")).orgClientTracedCaller;
    case "http2":
      return (await import("./clients/http2.js")).http2Caller;
  }
}

export interface ClientRunRequest {
  type: "run";
  port: number;
  concurrency: number;
  warmupMs: number;
  /** Measured phase: as many calls as the warm-up rate makes in this time. */
  measureMs: number;
  /** Hard bound on the measured phase, ms. */
  maxMs: number;
}

export interface ClientRunResult {
  type: "result";
  /** Successful warm-up calls (the server counts them too). */
  warmupOk: number;
  /** Successful measured calls. */
  calls: number;
  failures: number;
  elapsedMs: number;
  cpuUs: number;
}

/** Runs calls with `concurrency` in flight until `total` are done or `deadline` passes. */
async function closedLoop(call: () => Promise<boolean>, concurrency: number, total: number, deadline: number) {
  let started = 0;
  let ok = 0;
  let failures = 0;
  async function worker() {
    while (started < total && performance.now() < deadline) {
      started++;
      if (await call()) ok++;
      else failures++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, failures };
}

async function main() {
  const id = process.argv[2] ?? "";
  if (!isClientConfig(id)) throw new Error(`unknown client config "${id}"`);
  const createCaller = await loader(id);
  // One client per server port: the windows of a paired sample reuse the warmed-up channel.
  let current: { port: number; caller: Awaited<ReturnType<typeof createCaller>> } | undefined;
  const close = () => current?.caller.close();
  serveRequests(
    async (message) => {
      if (message.type !== "run") throw new Error(`unexpected message ${message.type}`);
      const run = message as unknown as ClientRunRequest;
      if (current?.port !== run.port) {
        close();
        current = { port: run.port, caller: await createCaller(run.port) };
      }
      const { caller } = current;
      const warmStart = performance.now();
      const warm = await closedLoop(caller.call, run.concurrency, Number.POSITIVE_INFINITY, warmStart + run.warmupMs);
      const warmMs = performance.now() - warmStart;
      if (warm.ok === 0) throw new Error(`no successful call during warm-up (${warm.failures} failed)`);
      const total = Math.max(run.concurrency, Math.round((warm.ok / warmMs) * run.measureMs));
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const measured = await closedLoop(caller.call, run.concurrency, total, t0 + run.maxMs);
      const elapsedMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const result: ClientRunResult = {
        type: "result",
        warmupOk: warm.ok,
        calls: measured.ok,
        // Calls not made before the time bound count as failures too.
        failures: warm.failures + measured.failures + (total - measured.ok - measured.failures),
        elapsedMs,
        cpuUs: cpu.user + cpu.system,
      };
      return result;
    },
    async () => close(),
  );
  send({ type: "ready" });
}

main().catch((err: unknown) => {
  fail(err);
  setTimeout(() => process.exit(1), 100);
});
