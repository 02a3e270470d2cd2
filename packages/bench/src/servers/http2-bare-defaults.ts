// The floors of "@org/server defaults" and "every middleware on": the bare node:http2 GetUser
// server (http2-bare.ts) plus, written by hand and nothing else, the per-call work those
// configurations promise a client and an operator.
//  - Defaults: a request id (the client's `x-request-id` when valid, else a random UUID) echoed in
//    the response headers, `grpc-accept-encoding` advertised, `grpc-message: OK` in the trailers,
//    one pino-format JSON log line per call into a batched stdout, and the handled counter and
//    handling-seconds histogram bucket of the call's method.
//  - Every middleware on, in addition: the bearer token's verified principal from a cache keyed by
//    the header (a miss verifies the HS256 signature), a token bucket per principal, and a SERVER
//    span from the registered OpenTelemetry SDK (the same SDK set-up as org-server-all), the answer
//    written inside its context, status attributes, ended; the log line carries principal and trace id.
// No routing table, deadlines, limits, call context or middleware chain: any server that keeps
// these features pays at least this.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import { context, ROOT_CONTEXT, type Span, SpanKind, trace } from "@opentelemetry/api";
import { registerTracing } from "../internal/tracing.js";
import type { WorkCounters } from "../internal/workload.js";
import { type CallWork, startHttp2Bare, type WorkedCall } from "./http2-bare.js";
import { BENCH_JWT_SECRET } from "./org-server.js";
import type { RunningServer } from "./running-server.js";

const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
/** Upper bounds of the handling-seconds buckets (prom-client's defaults, as @org/server's). */
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CHUNK_CHARS = 32 * 1024;
const METHOD = "/org.users.v1.UsersService/GetUser";

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

/** The subject of an HS256 JWT signed with the bench secret, or undefined. */
function verifyHs256(token: string): string | undefined {
  const [header, payload, signature] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const expected = createHmac("sha256", BENCH_JWT_SECRET).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub?: string };
  return claims.sub;
}

/** A token bucket (rate per ms, burst). */
class Bucket {
  constructor(
    private tokens: number,
    private at: number,
  ) {}
  take(now: number, perMs: number, burst: number): boolean {
    this.tokens = Math.min(burst, this.tokens + (now - this.at) * perMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

const SPAN_ATTRIBUTES = { "rpc.system": "grpc", "rpc.service": "org.users.v1.UsersService", "rpc.method": "GetUser" };
const OK_STATUS_ATTRIBUTES = { "rpc.grpc.status_code": 0, "rpc.grpc.status_text": "OK" };

class FeatureWork implements CallWork {
  handled = 0;
  readonly buckets = new Float64Array(BOUNDS.length + 1);
  secondsSum = 0;
  private lastMs = -1;
  private lastTime = "";
  private readonly bindings = `,"pid":${process.pid},"hostname":"bench"`;
  private readonly principals = new Map<string, string>();
  private readonly rateBuckets = new Map<string, Bucket>();
  private readonly tracer = trace.getTracer("http2-bare-all");

  constructor(
    readonly lines: BatchedLines,
    /** Every middleware on: auth, rate limit and tracing as well. */
    private readonly all: boolean,
  ) {}

  /** `,"time":"<ISO 8601>"`, built once per millisecond. */
  private time(): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = `,"time":"${new Date(now).toISOString()}"`;
    }
    return this.lastTime;
  }

  /** The caller's principal (undefined: refused), and whether its bucket allows the call. */
  private admit(headers: IncomingHttpHeaders): string | undefined {
    const header = headers.authorization ?? "";
    let subject = this.principals.get(header);
    if (subject === undefined) {
      subject = header.startsWith("Bearer ") ? verifyHs256(header.slice(7).trim()) : undefined;
      if (subject === undefined) return undefined;
      this.principals.set(header, subject);
    }
    const key = `p:${subject}`;
    let bucket = this.rateBuckets.get(key);
    const now = performance.now();
    if (bucket === undefined) {
      bucket = new Bucket(1e9, now);
      this.rateBuckets.set(key, bucket);
    }
    return bucket.take(now, 1e6, 1e9) ? subject : undefined;
  }

  start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): WorkedCall {
    const started = performance.now();
    const given = headers["x-request-id"];
    const requestId = typeof given === "string" && VALID_REQUEST_ID.test(given) ? given : randomUUID();
    const socket = stream.session?.socket;
    const peer = `${socket?.remoteAddress}:${socket?.remotePort}`;
    let principal: string | undefined;
    let span: Span | undefined;
    if (this.all) {
      // The bench's token always passes; a refusal is not part of the floor.
      principal = this.admit(headers);
      span = this.tracer.startSpan(METHOD.slice(1), {
        kind: SpanKind.SERVER,
        attributes: { ...SPAN_ATTRIBUTES, "net.peer.ip": socket?.remoteAddress ?? "", "net.peer.port": socket?.remotePort ?? 0 },
      });
    }
    return {
      responseHeaders: () => ({
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-accept-encoding": "identity,deflate,gzip",
        "x-request-id": requestId,
      }),
      trailers: (): OutgoingHttpHeaders => ({ "grpc-status": "0", "grpc-message": "OK" }),
      run: (answer) => {
        if (span === undefined) answer();
        else context.with(trace.setSpan(ROOT_CONTEXT, span), answer);
      },
      answered: () => {
        let traced = "";
        if (span !== undefined) {
          traced = `,"traceId":"${span.spanContext().traceId}"`;
          span.setAttributes(OK_STATUS_ATTRIBUTES);
          span.end();
        }
        const seconds = (performance.now() - started) / 1000;
        this.handled++;
        this.secondsSum += seconds;
        let bucket = 0;
        while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]!) bucket++;
        this.buckets[bucket]!++;
        const who = principal === undefined ? "" : `,"principal":"${principal}"`;
        this.lines.add(
          `{"level":30${this.time()}${this.bindings},"requestId":"${requestId}","method":"${METHOD}","code":"OK","durationMs":${Math.round(seconds * 1e6) / 1000},"peer":"${peer}"${who}${traced},"msg":"grpc call"}\n`,
        );
      },
    };
  }
}

async function startWith(
  counters: WorkCounters,
  all: boolean,
  write: (chunk: string) => void,
): Promise<RunningServer & { work: FeatureWork }> {
  const tracing = all ? registerTracing() : undefined;
  const work = new FeatureWork(new BatchedLines(write), all);
  const flusher = setInterval(() => work.lines.flush(), 200);
  flusher.unref();
  const server = await startHttp2Bare(counters, work);
  return {
    ...server,
    work,
    ...(tracing ? { exportedSpans: tracing.exportedSpans } : {}),
    close: async () => {
      clearInterval(flusher);
      work.lines.flush();
      await server.close();
      await tracing?.shutdown();
    },
  };
}

const toStdout = (chunk: string) => {
  process.stdout.write(chunk);
};

/** The bare server with the defaults' per-call work; `write` receives the log lines in chunks. */
export function startHttp2BareDefaults(counters: WorkCounters, write = toStdout) {
  return startWith(counters, false, write);
}

/** The bare server with every middleware's per-call work (registers the bench's OpenTelemetry SDK). */
export function startHttp2BareAll(counters: WorkCounters, write = toStdout) {
  return startWith(counters, true, write);
}
