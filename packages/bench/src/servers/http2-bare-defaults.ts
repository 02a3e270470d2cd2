// The floor of "@org/server defaults": the bare node:http2 GetUser server (http2-bare.ts) plus,
// written by hand and nothing else, the per-call work the defaults promise a client and an
// operator: a request id (the client's `x-request-id` when valid, else a random UUID) echoed in
// the response headers, `grpc-accept-encoding` advertised, `grpc-message: OK` in the trailers, one
// pino-format JSON log line per call into a batched stdout, and the handled counter and
// handling-seconds histogram bucket of the call's method. No routing table, deadlines, limits,
// call context or middleware: any server that keeps the defaults pays at least this.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import type { WorkCounters } from "../internal/workload.js";
import { type CallWork, startHttp2Bare, type WorkedCall } from "./http2-bare.js";
import type { RunningServer } from "./running-server.js";

const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
/** Upper bounds of the handling-seconds buckets (prom-client's defaults, as @org/server's). */
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CHUNK_CHARS = 32 * 1024;

/** Lines are collected and written 32 KiB at a time, as @org/server's default destination does. */
export class BatchedLines {
  private pending = "";
  constructor(private readonly write: (chunk: string) => void) {}
  add(line: string): void {
    this.pending += line;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }
  flush(): void {
    if (this.pending === "") return;
    this.write(this.pending);
    this.pending = "";
  }
}

class DefaultsWork implements CallWork {
  handled = 0;
  readonly buckets = new Float64Array(BOUNDS.length + 1);
  secondsSum = 0;
  private lastMs = -1;
  private lastTime = "";
  private readonly bindings = `,"pid":${process.pid},"hostname":"bench"`;

  constructor(readonly lines: BatchedLines) {}

  /** `,"time":"<ISO 8601>"`, built once per millisecond. */
  time(): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = `,"time":"${new Date(now).toISOString()}"`;
    }
    return this.lastTime;
  }

  start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): WorkedCall {
    const started = performance.now();
    const given = headers["x-request-id"];
    const requestId = typeof given === "string" && VALID_REQUEST_ID.test(given) ? given : randomUUID();
    const socket = stream.session?.socket;
    const peer = `${socket?.remoteAddress}:${socket?.remotePort}`;
    return {
      responseHeaders: () => ({
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-accept-encoding": "identity,deflate,gzip",
        "x-request-id": requestId,
      }),
      trailers: (): OutgoingHttpHeaders => ({ "grpc-status": "0", "grpc-message": "OK" }),
      answered: () => {
        const seconds = (performance.now() - started) / 1000;
        this.handled++;
        this.secondsSum += seconds;
        let bucket = 0;
        while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]!) bucket++;
        this.buckets[bucket]!++;
        this.lines.add(
          `{"level":30${this.time()}${this.bindings},"requestId":"${requestId}","method":"/org.users.v1.UsersService/GetUser","code":"OK","durationMs":${Math.round(seconds * 1e6) / 1000},"peer":"${peer}","msg":"grpc call"}\n`,
        );
      },
    };
  }
}

/** The bare server with the defaults' per-call work; `write` receives the log lines in chunks (stdout by default). */
export async function startHttp2BareDefaults(
  counters: WorkCounters,
  write: (chunk: string) => void = (chunk) => process.stdout.write(chunk),
): Promise<RunningServer & { work: DefaultsWork }> {
  const work = new DefaultsWork(new BatchedLines(write));
  const flusher = setInterval(() => work.lines.flush(), 200);
  flusher.unref();
  const server = await startHttp2Bare(counters, work);
  return {
    ...server,
    work,
    close: async () => {
      clearInterval(flusher);
      work.lines.flush();
      await server.close();
    },
  };
}
