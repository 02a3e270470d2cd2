/*
 * The runtime's side of a call: every call the transport accepts (transport/http2-call.ts) gets one
 * record (`CallRecord`). The record is
 *  - the incoming-call scope (AsyncLocalStorage store) the handler runs in, so `@org/client`
 *    calls made inside a handler inherit its deadline and cancellation;
 *  - the holder of the client's deadline (`grpc-timeout` is not metadata a handler sees);
 *  - the handle used to end a call from the outside (server maximum deadline, shutdown, a
 *    transport refusal): sending a status ends it, which aborts the handler's signal;
 *  - the owner of that signal, created only when something reads it (most handlers never do);
 *  - the gate for requests the handler must never see: a deadline spent on arrival
 *    (DEADLINE_EXCEEDED), metadata over `maxMetadataBytes` (RESOURCE_EXHAUSTED), a message that
 *    did not decode (see request-decoding.ts), a request stream that ends inside a message, a
 *    unary request without exactly one (INVALID_ARGUMENT).
 * One object per call, no closures: the record is both the transport's listener and the handle
 * the call's `ServerCall` (server-call.ts) writes through.
 */
import { type MethodDescriptor, Status } from "nice-grpc-common";
import type { CallListener, CallOwner, CallStatus, MetadataEntries, TransportCall } from "../transport/http2-call.js";
import type { RequestMetadata } from "../transport/metadata.js";
import type { CallProtocol } from "../transport/web/call-io.js";
import { activeIncomingCallScope, type IncomingCallScope } from "./incoming-call-scope.js";
import { MalformedRequest } from "./request-decoding.js";
import { type MethodRoute, ServerCall } from "./server-call.js";

const SHUTDOWN_MESSAGE = "server is shutting down";
const TRUNCATED_MESSAGE = "malformed request: the request stream ended inside a message (truncated frame)";
const MISSING_MESSAGE = "malformed request: a unary or server-streaming call needs exactly one request message, got none";
const EXTRA_MESSAGE = "malformed request: a unary or server-streaming call needs exactly one request message, got more";

export class CallRecord implements IncomingCallScope, CallOwner {
  /** Status the server ended the call with from the outside (shutdown, max deadline). */
  forcedCode: number | undefined = undefined;
  /** The original error behind an INTERNAL reply, for the call's log line. */
  internalError: unknown = undefined;
  /** Effective deadline in epoch ms (min of client deadline and server maximum); Infinity for none. */
  readonly deadlineMs: number;
  /** The client's own deadline in epoch ms; Infinity when the client sent none. */
  readonly clientDeadlineMs: number;
  /** When the server maximum runs out, epoch ms; Infinity when no maximum applies. */
  readonly maxAtMs: number;
  readonly startedAt: number;
  /** The call ended (by the client, a deadline or the server) while its handler was running. */
  cancelled = false;
  private listener: CallListener | undefined = undefined;
  private deadlineDate: Date | undefined = undefined;
  private ended = false;
  /** A status was handed to the transport (by the handler or by `end`); nothing may be written after it. */
  private statusSent = false;
  private gotMessage = false;
  private settled = false;
  private controller: AbortController | undefined = undefined;

  constructor(
    private readonly next: TransportCall,
    private readonly control: CallControl,
    private readonly route: MethodRoute,
  ) {
    const now = Date.now();
    this.startedAt = now;
    this.clientDeadlineMs = next.getDeadline();
    const max = route.descriptor.responseStream ? control.maxStreamDeadlineMs : control.maxDeadlineMs;
    this.maxAtMs = max > 0 ? now + max : Infinity;
    this.deadlineMs = Math.min(this.clientDeadlineMs, this.maxAtMs);
  }

  // The method's shape, read from its descriptor (no fields of their own in every call).
  get requestStream(): boolean {
    return this.route.descriptor.requestStream;
  }
  get responseStream(): boolean {
    return this.route.descriptor.responseStream;
  }
  /** Any side streams. */
  get streaming(): boolean {
    const { requestStream, responseStream } = this.route.descriptor;
    return requestStream || responseStream;
  }

  get deadline(): Date | undefined {
    if (this.deadlineMs === Infinity) return undefined;
    return (this.deadlineDate ??= new Date(this.deadlineMs));
  }

  /** Aborts when the call ends before its handler finished. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** The handler finished: the end of the call that follows is not a cancellation. */
  settle(): void {
    this.settled = true;
  }

  /** Ends the call with `code` now; the handler's signal aborts. No-op once the call ended. */
  end(code: number, details: string): void {
    if (this.ended || this.statusSent) return;
    this.forcedCode = code;
    this.statusSent = true;
    this.next.sendStatus({ code, details, metadata: null });
    // A call the built-in steps never saw (refused at the gate, or before its handler started)
    // would otherwise leave no log line and no count.
    if (!(this.listener instanceof ServerCall && this.listener.running)) {
      this.control.onRefused?.(this.route.descriptor, this.next.getPeer(), code, details, this.next.protocol);
    }
  }

  // ---- the call's transport side, as the runtime (ServerCall) uses it ----
  start(refusal: { code: number; details: string } | undefined): void {
    this.listener = new ServerCall(this, this.route);
    this.next.start(this, undefined, refusal);
  }
  sendMetadata(metadata: MetadataEntries | null): void {
    this.next.sendMetadata(metadata);
  }
  sendMessage(message: unknown, callback: () => void): void {
    // A handler may still write after the call was ended from outside (shutdown, a malformed
    // message, the server maximum): nothing may follow the status.
    if (this.statusSent) {
      callback();
      return;
    }
    this.next.sendMessage(message, callback);
  }
  sendStatus(status: CallStatus, header: MetadataEntries | null = null): void {
    this.statusSent = true;
    this.next.sendStatus(status, header);
  }
  sendResponse(message: unknown, status: CallStatus): void {
    // Ended from outside already: only the status (a no-op then) may go.
    if (this.statusSent) {
      this.next.sendStatus(status);
      return;
    }
    this.statusSent = true;
    this.next.sendResponse(message, status);
  }
  startRead(): void {
    this.next.startRead();
  }
  getPeer(): string {
    return this.next.getPeer();
  }
  /** The wire protocol of the call. */
  get protocol(): CallProtocol {
    return this.next.protocol;
  }

  /** The transport refused the call or one of its messages: end it here, so it is logged and counted. */
  onTransportError(code: number, details: string): void {
    this.end(code, details);
  }

  // ---- CallListener: what the transport tells us, forwarded inside the call scope ----
  onReceiveMetadata(metadata: RequestMetadata): void {
    // A deadline spent on arrival (a sub-millisecond grpc-timeout): nobody waits for the answer,
    // and the deadline timer would race a fast handler's OK.
    if (this.clientDeadlineMs <= this.startedAt) {
      this.end(Status.DEADLINE_EXCEEDED, "deadline exceeded before the call started");
      return;
    }
    const max = this.control.maxMetadataBytes;
    if (max > 0 && !metadata.within(max)) {
      const size = metadata.byteSize();
      this.end(Status.RESOURCE_EXHAUSTED, `request metadata is ${size} bytes, over the server's limit of ${max} bytes`);
      return;
    }
    if (!this.control.admit(this)) return;
    // Client- and bidi-streaming handlers start here, inside the scope; unary and
    // server-streaming ones on half-close (entering the scope costs, so only where needed, and
    // only once something in the process reads it: see incoming-call-scope.ts).
    const scope = activeIncomingCallScope();
    if (scope !== undefined && this.requestStream) {
      scope.run(this, forwardMetadata, this.listener!, metadata);
    } else this.listener!.onReceiveMetadata(metadata);
  }
  onReceiveMessage(message: unknown): void {
    if (message instanceof MalformedRequest) {
      this.end(Status.INVALID_ARGUMENT, message.details);
      return;
    }
    if (this.gotMessage && !this.requestStream) {
      this.end(Status.INVALID_ARGUMENT, EXTRA_MESSAGE);
      return;
    }
    this.gotMessage = true;
    this.listener!.onReceiveMessage(message);
  }
  onReceiveHalfClose(): void {
    // Node ends the request stream of a reset or lost HTTP/2 stream ('aborted', then 'end'): a
    // dropped upload must not look complete to a client-streaming handler, so it only sees the
    // cancellation that follows.
    if (this.next.aborted) return;
    if (this.next.partialMessage) {
      this.end(Status.INVALID_ARGUMENT, TRUNCATED_MESSAGE);
      return;
    }
    if (!this.requestStream && !this.gotMessage) {
      this.end(Status.INVALID_ARGUMENT, MISSING_MESSAGE);
      return;
    }
    const scope = activeIncomingCallScope();
    if (scope !== undefined) scope.run(this, forwardHalfClose, this.listener!);
    else this.listener!.onReceiveHalfClose();
  }
  onCancel(): void {
    // The transport reports every end of a call here, normal or not.
    this.ended = true;
    this.control.release(this);
    if (!this.settled) {
      this.cancelled = true;
      this.controller?.abort();
    }
    this.listener!.onCancel();
  }
}

function forwardMetadata(listener: CallListener, metadata: RequestMetadata): void {
  listener.onReceiveMetadata(metadata);
}
function forwardHalfClose(listener: CallListener): void {
  listener.onReceiveHalfClose();
}

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
  private readonly single = new Set<CallRecord>();
  /** Server- and bidi-streaming calls, in start order. */
  private readonly streams = new Set<CallRecord>();
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
  open(call: TransportCall, route: MethodRoute, refusal: { code: number; details: string } | undefined): void {
    new CallRecord(call, this, route).start(refusal);
  }

  /** Number of calls currently running, `[single-response, streaming-response]`. */
  get inFlight(): [number, number] {
    return [this.single.size, this.streams.size];
  }

  admit(record: CallRecord): boolean {
    if (this.closing && record.streaming) {
      // A stream that slipped in after shutdown began would only be cut at the grace period.
      record.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      return false;
    }
    (record.responseStream ? this.streams : this.single).add(record);
    return true;
  }

  release(record: CallRecord): void {
    (record.responseStream ? this.streams : this.single).delete(record);
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
      for (const record of set) {
        if (record.maxAtMs > now) break;
        if (record.clientDeadlineMs <= record.maxAtMs) continue; // the call's own timer enforces it
        record.end(Status.DEADLINE_EXCEEDED, "deadline exceeded (server maximum)");
      }
    }
  }

  /** Shutdown step: refuse new streams and end every running stream with UNAVAILABLE. */
  endStreams(): number {
    this.closing = true;
    let n = 0;
    for (const record of [...this.streams, ...this.single]) {
      if (!record.streaming) continue;
      record.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      n++;
    }
    return n;
  }

  /** Shutdown step after the grace period: end whatever still runs. */
  endAll(): number {
    this.closing = true;
    let n = 0;
    for (const record of [...this.streams, ...this.single]) {
      record.end(Status.UNAVAILABLE, SHUTDOWN_MESSAGE);
      n++;
    }
    return n;
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
