import type { WorkCounters } from "../internal/workload.js";

/** A server configuration started inside a server child process. */
export interface RunningServer {
  port: number;
  /**
   * Calls the server itself recorded as finished with status OK (from its metrics), when the
   * configuration has metrics; the harness prefers it over the handler's count.
   */
  okFromMetrics?(): Promise<number>;
  /** Spans handed to the exporter, for configurations that trace. */
  exportedSpans?(): number;
  close(): Promise<void>;
}

export type StartServer = (counters: WorkCounters) => Promise<RunningServer>;
