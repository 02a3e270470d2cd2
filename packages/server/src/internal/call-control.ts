/*
 * The running calls of one server: each call the transport accepts becomes a `ServerCall`
 * (server-call.ts), which `CallControl` tracks so that it can end calls from the outside: at the
 * server maximum deadline (one sweeping timer per server, not one per call) and at shutdown.
 */
import { type MethodDescriptor, Status } from "nice-grpc-common";
import type { TransportCall } from "../transport/http2-call.js";
import type { CallProtocol } from "../transport/web/call-io.js";
import { type MethodRoute, ServerCall } from "./server-call.js";

const SHUTDOWN_MESSAGE = "server is shutting down";

export interface CallControlOptions {
  maxDeadlineMs: number;
  maxStreamDeadlineMs: number;
  /** Largest request metadata accepted, bytes; `0` disables the check. */
  maxMetadataBytes: number;
}

/** Owns the set of running calls of one server. */
export class CallControl {
  readonly maxDeadlineMs: number;
  readonly maxStreamDeadlineMs: number;
  readonly maxMetadataBytes: number;
  /** Calls whose response is a single message, in start order (so also in max-deadline order). */
  private readonly single = new Set<ServerCall>();
  /** Server- and bidi-streaming calls, in start order. */
  private readonly streams = new Set<ServerCall>();
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  /** Told about every call ended before the built-in steps ran (they log and count the others). */
  onRefused: ((method: MethodDescriptor, peer: string, code: number, details: string, protocol: CallProtocol) => void) | undefined =
    undefined;

  constructor(options: CallControlOptions) {
    this.maxDeadlineMs = options.maxDeadlineMs;
    this.maxStreamDeadlineMs = options.maxStreamDeadlineMs;
    this.maxMetadataBytes = options.maxMetadataBytes;
  }

  /** Starts a call of `route` that the transport accepted (or refused with `refusal`). */
  open(transport: TransportCall, route: MethodRoute, refusal: { code: number; details: string } | undefined): void {
    new ServerCall(transport, this, route).start(refusal);
  }

  /** Number of calls currently running, `[single-response, streaming-response]`. */
  get inFlight(): [number, number] {
    return [this.single.size, this.streams.size];
  }

  admit(call: ServerCall): boolean {
    if (this.closing && call.streaming) {
      // A stream that slipped in after shutdown began would only be cut at the grace period.
      call.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      return false;
    }
    (call.responseStream ? this.streams : this.single).add(call);
    return true;
  }

  release(call: ServerCall): void {
    (call.responseStream ? this.streams : this.single).delete(call);
  }

  /** Starts enforcing the server-side maximum deadlines. */
  start(): void {
    const limits = [this.maxDeadlineMs, this.maxStreamDeadlineMs].filter((ms) => ms > 0);
    if (limits.length === 0 || this.sweeper) return;
    // One timer per server instead of one per call; precision is a tenth of the limit.
    const period = Math.min(1000, Math.max(10, Math.min(...limits) / 10));
    this.sweeper = setInterval(() => this.sweep(), period);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const set of [this.single, this.streams]) {
      // Same maximum for every call in a set, so the first unexpired one ends the scan.
      for (const call of set) {
        if (call.maxAtMs > now) break;
        if (call.clientDeadlineMs <= call.maxAtMs) continue; // the call's own timer enforces it
        call.end(Status.DEADLINE_EXCEEDED, "deadline exceeded (server maximum)");
      }
    }
  }

  /** Shutdown step: refuse new streams and end every running stream with UNAVAILABLE. */
  endStreams(): number {
    this.closing = true;
    let n = 0;
    for (const call of [...this.streams, ...this.single]) {
      if (!call.streaming) continue;
      call.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      n++;
    }
    return n;
  }

  /** Shutdown step after the grace period: end whatever still runs. */
  endAll(): number {
    this.closing = true;
    let n = 0;
    for (const call of [...this.streams, ...this.single]) {
      call.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      n++;
    }
    return n;
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
