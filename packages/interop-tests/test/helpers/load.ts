// A bounded closed-loop load generator: `concurrency` workers issue calls until stopped, until
// `maxCalls` have been issued, or until `maxDurationMs` has passed, whichever comes first.
import { CallError, Status } from "@org/client";

export interface LoadOptions {
  /** Workers running calls back to back. */
  concurrency: number;
  /** Hard cap on calls issued. */
  maxCalls: number;
  /** Hard cap on run time, ms. */
  maxDurationMs: number;
  /** One call; `index` counts calls across workers. */
  call: (index: number) => Promise<unknown>;
}

export interface LoadRun {
  /** Stops issuing new calls and resolves when the in-flight ones settle. */
  stop(): Promise<LoadResult>;
  /** Resolves when the run ends by itself (cap reached) or after stop(). */
  readonly done: Promise<LoadResult>;
  /** Calls completed so far (ok + failed). */
  readonly completed: number;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** Failures by status name (non-CallError failures under "NON_GRPC"). */
  failures: Record<string, number>;
  /** First few failures, for the assertion message. */
  samples: string[];
  latenciesMs: number[];
  elapsedMs: number;
}

export function startLoad(options: LoadOptions): LoadRun {
  let stopped = false;
  let issued = 0;
  const result: LoadResult = { ok: 0, failed: 0, failures: {}, samples: [], latenciesMs: [], elapsedMs: 0 };
  const started = performance.now();
  const until = started + options.maxDurationMs;
  const worker = async () => {
    while (!stopped && issued < options.maxCalls && performance.now() < until) {
      const index = issued++;
      const t0 = performance.now();
      try {
        await options.call(index);
        result.ok++;
        result.latenciesMs.push(performance.now() - t0);
      } catch (error) {
        result.failed++;
        const name = error instanceof CallError ? (Status[error.code] ?? String(error.code)) : "NON_GRPC";
        result.failures[name] = (result.failures[name] ?? 0) + 1;
        if (result.samples.length < 5) result.samples.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => {
    result.elapsedMs = performance.now() - started;
    return result;
  });
  return {
    done,
    get completed() {
      return result.ok + result.failed;
    },
    stop() {
      stopped = true;
      return done;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function summarize(result: LoadResult): { calls: number; perSecond: number; p50: number; p99: number } {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const calls = result.ok + result.failed;
  return {
    calls,
    perSecond: Math.round((calls / result.elapsedMs) * 1000),
    p50: Math.round(percentile(sorted, 50) * 100) / 100,
    p99: Math.round(percentile(sorted, 99) * 100) / 100,
  };
}
