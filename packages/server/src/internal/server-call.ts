/*
 * One call as @org/server runs it, in one object: the transport's listener, the gate in front of the
 * handler, the incoming-call scope, and the context its handler and middleware see (nice-grpc's
 * `CallContext` plus `OrgCallContext`). It takes the place of a handler layer of Node streams per
 * call and of nice-grpc's (an AbortController, three event listeners, three Metadata objects of
 * seven closures each and a chain of promises per call). Every open stream keeps one of these, so
 * what it holds is counted in bytes:
 *  - the signal, the nice-grpc form of the request metadata, the header, the trailer and
 *    `sendHeader` are created only when something uses them;
 *  - what few calls use lives in `CallExtras`, allocated on first use;
 *  - the booleans share one `flags` field, and what follows from other fields is computed.
 * Every context field is an own enumerable property, so that middleware spreading the context
 * (`{ ...context, tenant }`) keeps them: the metadata fields are lazy Metadata objects, `signal` and
 * `log` accessors (one shared descriptor each).
 *
 * The gate keeps from the handler the requests it must never see: a deadline spent on arrival
 * (DEADLINE_EXCEEDED), metadata over `maxMetadataBytes` (RESOURCE_EXHAUSTED), a message that did not
 * decode (see request-decoding.ts), a request stream that ends inside a message, a unary request
 * without exactly one (INVALID_ARGUMENT). The call is also the incoming-call scope (AsyncLocalStorage
 * store) its handler runs in, so `@org/client` calls made inside a handler inherit its deadline and
 * cancellation, and the handle that `CallControl` (call-control.ts) ends it with from the outside
 * (server maximum deadline, shutdown, a transport refusal): sending a status ends the call, which
 * aborts the handler's signal.
 */
import { AbortError, isAbortError } from "abort-controller-x";
import { type Metadata, type MethodDescriptor, ServerError, Status } from "nice-grpc-common";
import type { Logger } from "pino";
import type { Principal } from "../context.js";
import type { CallOwner, CallStatus, MetadataEntries, TransportCall } from "../transport/http2-call.js";
import { RequestMetadata } from "../transport/metadata.js";
import type { CallProtocol } from "../transport/web/call-io.js";
import type { CallControl } from "./call-control.js";
import { activeIncomingCallScope, type IncomingCallScope } from "./incoming-call-scope.js";
import { LazyMetadata } from "./lazy-metadata.js";
import { MalformedRequest } from "./request-decoding.js";
import { REQUEST_ID_HEADER } from "./request-id.js";
import { RequestStream } from "./request-stream.js";

/**
 * What runs a call once its request is in: the built-in steps, the middleware, the handler. It
 * ends the call with `respond`/`finish` or `fail`, and never throws.
 */
export interface MethodRoute {
  readonly descriptor: MethodDescriptor;
  /** Unary and client-streaming. */
  unary?(call: ServerCall, request: unknown): void;
  /** Server-streaming and bidi: writes every response with `call.write`. */
  stream?(call: ServerCall, request: unknown): void;
  /** Logger behind `context.log`. */
  readonly logger: Logger;
}

/** Response messages queued in the transport before a streaming handler waits (as a Node Writable's 16). */
const WRITE_HIGH_WATER_MARK = 16;

const OK_STATUS_DETAILS = "OK";
const TRUNCATED_MESSAGE = "malformed request: the request stream ended inside a message (truncated frame)";
const MISSING_MESSAGE = "malformed request: a unary or server-streaming call needs exactly one request message, got none";
const EXTRA_MESSAGE = "malformed request: a unary or server-streaming call needs exactly one request message, got more";

// The call's booleans, bits of `flags`.
/** The handler started: the built-in steps run (and log and count the call). */
const STARTED = 1;
/** The handler finished: the end of the call that follows is not a cancellation. */
const SETTLED = 2;
/** The call ended (by the client, a deadline or the server) while its handler was running. */
const CANCELLED = 4;
/** The transport reported the end of the call. */
const ENDED = 8;
/** A status was handed to the transport (by the handler or by `end`); nothing may be written after it. */
const STATUS_SENT = 16;
/** The request message of a single-request call arrived. */
const GOT_MESSAGE = 32;
const HEADER_SENT = 64;
/** The request id goes back in the response header (`x-request-id`), until something reads `header` (an entry then). */
const ECHO_ID = 128;

function isEmpty(metadata: Metadata): boolean {
  for (const _ of metadata) return false;
  return true;
}

/** The status a failed call ends with (nice-grpc's createErrorStatusObject). */
function errorStatus(path: string, error: unknown, trailer: Metadata | null) {
  if (error instanceof ServerError) return { code: error.code, details: error.details, metadata: trailer };
  if (isAbortError(error)) return { code: Status.CANCELLED, details: "The operation was cancelled", metadata: trailer };
  process.emitWarning(
    `${path}: Uncaught error in server implementation method. Server methods should only throw ServerError or AbortError. ${error instanceof Error ? error.stack : error}`,
  );
  return { code: Status.UNKNOWN, details: "Unknown server error occurred", metadata: trailer };
}

/** What few calls use, allocated on first use: a call that uses none of it keeps one empty field. */
class CallExtras {
  /** Status the server ended the call with from the outside (shutdown, max deadline). */
  forcedCode: number | undefined = undefined;
  /** The original error behind an INTERNAL reply, for the call's log line. */
  internalError: unknown = undefined;
  childLogger: Logger | undefined = undefined;
  requestMetadata: LazyMetadata | undefined = undefined;
  responseHeader: LazyMetadata | undefined = undefined;
  responseTrailer: LazyMetadata | undefined = undefined;
  sendHeader: (() => void) | undefined = undefined;
  /** A streaming handler waiting for the transport to flush its writes. */
  drainWaiter: { resolve(): void; reject(err: unknown): void } | undefined = undefined;
}

const signalDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return this.abortSignal();
  },
  enumerable: true,
};
const logDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    // A pino child costs a few µs: build it only for handlers that log.
    const extras = this.ensureExtras();
    return (extras.childLogger ??= this.route.logger.child({ requestId: this.requestId, method: this.path }));
  },
  enumerable: true,
};

// The request metadata, response header and trailer, and `sendHeader`, exist once something uses
// them: an idle stream that never does keeps none of them (about 200 bytes each stream).
const NO_METADATA = new LazyMetadata(new RequestMetadata());
const metadataDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    if (this.grpcMetadata === undefined) return NO_METADATA; // before the request metadata arrived
    const extras = this.ensureExtras();
    return (extras.requestMetadata ??= new LazyMetadata(this.grpcMetadata));
  },
  enumerable: true,
};
const headerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    const extras = this.ensureExtras();
    if (extras.responseHeader === undefined) {
      extras.responseHeader = new LazyMetadata(undefined);
      if (this.echoesRequestId) extras.responseHeader.initial = [[REQUEST_ID_HEADER, this.requestId]];
    }
    return extras.responseHeader;
  },
  enumerable: true,
};
const trailerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    const extras = this.ensureExtras();
    return (extras.responseTrailer ??= new LazyMetadata(undefined));
  },
  enumerable: true,
};
const sendHeaderDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    const extras = this.ensureExtras();
    return (extras.sendHeader ??= () => this.flushHeader());
  },
  enumerable: true,
};

function receiveMetadata(call: ServerCall, metadata: RequestMetadata): void {
  call.acceptMetadata(metadata);
}
function receiveHalfClose(call: ServerCall): void {
  call.acceptHalfClose();
}

export class ServerCall implements CallOwner, IncomingCallScope {
  // ---- CallContext ----
  declare readonly metadata: LazyMetadata;
  readonly peer: string;
  declare readonly header: LazyMetadata;
  declare readonly sendHeader: () => void;
  declare readonly trailer: LazyMetadata;
  declare readonly signal: AbortSignal;
  // ---- OrgCallContext ----
  requestId = "";
  principal: Principal | undefined = undefined;
  declare readonly log: Logger;
  readonly deadline: Date | undefined;
  // ---- internal ----
  readonly startedAt: number;
  grpcMetadata: RequestMetadata | undefined = undefined;
  /** The request id entry of the response header, until something reads `header` (an entry then). */
  private flags = 0;
  /** The request of a single-request call, from its message to the half-close. */
  private request: unknown = undefined;
  private requests: RequestStream | undefined = undefined;
  /** Streaming responses: writes handed to the transport and not yet flushed. */
  private pendingWrites = 0;
  private written: (() => void) | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private extras: CallExtras | undefined = undefined;

  constructor(
    private readonly transport: TransportCall,
    private readonly control: CallControl,
    readonly route: MethodRoute,
  ) {
    this.startedAt = Date.now();
    this.peer = transport.getPeer();
    const deadlineMs = this.deadlineMs;
    this.deadline = deadlineMs === Infinity ? undefined : new Date(deadlineMs);
    Object.defineProperty(this, "metadata", metadataDescriptor);
    Object.defineProperty(this, "header", headerDescriptor);
    Object.defineProperty(this, "sendHeader", sendHeaderDescriptor);
    Object.defineProperty(this, "trailer", trailerDescriptor);
    Object.defineProperty(this, "signal", signalDescriptor);
    Object.defineProperty(this, "log", logDescriptor);
  }

  /** Hands the call to the transport, which delivers its request (or ends it with `refusal`). */
  start(refusal: { code: number; details: string } | undefined): void {
    this.transport.start(this, undefined, refusal);
  }

  // ---- facts about the call ----

  get path(): string {
    return this.route.descriptor.path;
  }
  /** Any side streams. */
  get streaming(): boolean {
    const { requestStream, responseStream } = this.route.descriptor;
    return requestStream || responseStream;
  }
  get responseStream(): boolean {
    return this.route.descriptor.responseStream;
  }
  /** The client's own deadline in epoch ms; Infinity when the client sent none. */
  get clientDeadlineMs(): number {
    return this.transport.getDeadline();
  }
  /** When the server maximum runs out, epoch ms; Infinity when no maximum applies. */
  get maxAtMs(): number {
    const control = this.control;
    const max = this.route.descriptor.responseStream ? control.maxStreamDeadlineMs : control.maxDeadlineMs;
    return max > 0 ? this.startedAt + max : Infinity;
  }
  /** Effective deadline in epoch ms (min of client deadline and server maximum); Infinity for none. */
  get deadlineMs(): number {
    return Math.min(this.clientDeadlineMs, this.maxAtMs);
  }
  /** The wire protocol of the call. */
  get protocol(): CallProtocol {
    return this.transport.protocol;
  }
  /** Whether the call reached the built-in steps (and so gets their log line and metrics). */
  get running(): boolean {
    return (this.flags & STARTED) !== 0;
  }
  /** True once the call ended while its handler was still running. */
  get cancelled(): boolean {
    return (this.flags & CANCELLED) !== 0;
  }
  /** Status the server ended the call with from the outside (shutdown, max deadline). */
  get forcedCode(): number | undefined {
    return this.extras?.forcedCode;
  }
  /** The original error behind an INTERNAL reply, for the call's log line. */
  get internalError(): unknown {
    return this.extras?.internalError;
  }
  set internalError(error: unknown) {
    this.ensureExtras().internalError = error;
  }

  /** The fields few calls use, created now if needed. */
  ensureExtras(): CallExtras {
    return (this.extras ??= new CallExtras());
  }

  /** Aborts when the call ends before its handler finished (context.signal). */
  abortSignal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  // ---- the context's helpers for the built-in steps ----

  /** The request id is to go back in the response header and the nice-grpc header does not exist yet. */
  get echoesRequestId(): boolean {
    return (this.flags & ECHO_ID) !== 0;
  }

  /** Sends `requestId` back in the response header (`x-request-id`), without building the nice-grpc header. */
  echoRequestId(): void {
    const header = this.extras?.responseHeader;
    const id = this.requestId;
    if (header === undefined) this.flags |= ECHO_ID;
    else if (header.built) header.set(REQUEST_ID_HEADER, id);
    else (header.initial ??= []).push([REQUEST_ID_HEADER, id]);
  }

  /**
   * A request metadata entry as nice-grpc's `metadata.get(key)` gives it (repeated string values
   * joined with ", "), without building the nice-grpc metadata.
   */
  requestValue(key: string): string | undefined {
    const values = this.grpcMetadata?.get(key);
    if (values === undefined || values.length === 0 || typeof values[0] !== "string") return undefined;
    return values.length === 1 ? values[0] : values.join(", ");
  }

  /** Sends the response header now, if there is one to send (context.sendHeader). */
  flushHeader(): void {
    const header = this.takeHeader();
    // Like nice-grpc: an empty header is not sent early (the transport sends its own with the response).
    if (header !== null) this.transport.sendMetadata(header);
  }

  /** The response header entries not sent yet (`null`: none), marked as sent. */
  private takeHeader(): MetadataEntries | null {
    if ((this.flags & HEADER_SENT) !== 0) return null;
    this.flags |= HEADER_SENT;
    const header = this.extras?.responseHeader;
    if (header?.built) return isEmpty(header) ? null : header;
    if (header === undefined) return (this.flags & ECHO_ID) === 0 ? null : [[REQUEST_ID_HEADER, [this.requestId]]];
    const entries = header.initial;
    return entries === undefined ? null : entries.map(([key, value]) => [key, [value]] as [string, string[]]);
  }

  private grpcTrailer(): Metadata | null {
    const trailer = this.extras?.responseTrailer;
    return trailer === undefined || !trailer.built || isEmpty(trailer) ? null : trailer;
  }

  // ---- writing a response stream, with backpressure ----

  /** Writes one response message; returns a promise to wait for when the transport has enough queued. */
  write(message: unknown): Promise<void> | undefined {
    this.flushHeader();
    this.pendingWrites++;
    const written = (this.written ??= () => this.onWritten());
    // A handler may still write after the call was ended from outside (shutdown, a malformed
    // message, the server maximum): nothing may follow the status.
    if ((this.flags & STATUS_SENT) !== 0) written();
    else this.transport.sendMessage(message, written);
    if (this.pendingWrites < WRITE_HIGH_WATER_MARK) return undefined;
    if (this.cancelled) return Promise.reject(new AbortError());
    return new Promise<void>((resolve, reject) => {
      this.ensureExtras().drainWaiter = { resolve, reject };
    });
  }

  private onWritten(): void {
    this.pendingWrites--;
    const waiter = this.extras?.drainWaiter;
    if (this.pendingWrites === 0 && waiter !== undefined) {
      this.extras!.drainWaiter = undefined;
      waiter.resolve();
    }
  }

  // ---- ending the call ----

  /** Sends the single response of a unary or client-streaming call. */
  respond(response: unknown): void {
    this.flags |= SETTLED;
    this.flushHeader();
    const status = { code: Status.OK, details: OK_STATUS_DETAILS, metadata: this.grpcTrailer() };
    // Ended from outside already: only the status (a no-op then) may go.
    if ((this.flags & STATUS_SENT) !== 0) {
      this.transport.sendStatus(status);
      return;
    }
    this.flags |= STATUS_SENT;
    this.transport.sendResponse(response, status);
  }

  /** Ends a server-streaming or bidi call with OK after its last message. */
  finish(): void {
    this.flags |= SETTLED;
    this.sendStatus({ code: Status.OK, details: OK_STATUS_DETAILS, metadata: this.grpcTrailer() }, this.takeHeader());
  }

  /** Ends the call with the status `error` stands for. */
  fail(error: unknown): void {
    this.flags |= SETTLED;
    this.sendStatus(errorStatus(this.path, error, this.grpcTrailer()), this.takeHeader());
  }

  private sendStatus(status: CallStatus, header: MetadataEntries | null = null): void {
    this.flags |= STATUS_SENT;
    this.transport.sendStatus(status, header);
  }

  /** Ends the call with `code` now; the handler's signal aborts. No-op once the call ended. */
  end(code: number, details: string): void {
    if ((this.flags & (ENDED | STATUS_SENT)) !== 0) return;
    this.ensureExtras().forcedCode = code;
    this.sendStatus({ code, details, metadata: null });
    // A call the built-in steps never saw (refused at the gate, or before its handler started)
    // would otherwise leave no log line and no count.
    if (!this.running) {
      this.control.onRefused?.(this.route.descriptor, this.peer, code, details, this.transport.protocol);
    }
  }

  // ---- CallOwner: what the transport tells us ----

  /** The transport refused the call or one of its messages: end it here, so it is logged and counted. */
  onTransportError(code: number, details: string): void {
    this.end(code, details);
  }

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
    if (scope !== undefined && this.route.descriptor.requestStream) scope.run(this, receiveMetadata, this, metadata);
    else this.acceptMetadata(metadata);
  }

  /** The request metadata passed the gate. */
  acceptMetadata(metadata: RequestMetadata): void {
    const { requestStream, responseStream } = this.route.descriptor;
    // A stream may stay open for long: it keeps its metadata, not all the request's headers.
    this.grpcMetadata = responseStream ? metadata.compacted() : metadata;
    if (requestStream) {
      // Client-streaming and bidi handlers start with the metadata, as in grpc-js and grpc-go.
      this.requests = new RequestStream(this.transport);
      this.run(this.requests);
    } else {
      this.transport.startRead();
    }
  }

  onReceiveMessage(message: unknown): void {
    if (message instanceof MalformedRequest) {
      this.end(Status.INVALID_ARGUMENT, message.details);
      return;
    }
    if (this.requests !== undefined) {
      this.requests.push(message);
      return;
    }
    if ((this.flags & GOT_MESSAGE) !== 0) {
      this.end(Status.INVALID_ARGUMENT, EXTRA_MESSAGE);
      return;
    }
    this.flags |= GOT_MESSAGE;
    this.request = message;
    this.transport.startRead();
  }

  onReceiveHalfClose(): void {
    // Node ends the request stream of a reset or lost HTTP/2 stream ('aborted', then 'end'): a
    // dropped upload must not look complete to a client-streaming handler, so it only sees the
    // cancellation that follows.
    if (this.transport.aborted) return;
    if (this.transport.partialMessage) {
      this.end(Status.INVALID_ARGUMENT, TRUNCATED_MESSAGE);
      return;
    }
    const requestStream = this.route.descriptor.requestStream;
    if (!requestStream && (this.flags & GOT_MESSAGE) === 0) {
      this.end(Status.INVALID_ARGUMENT, MISSING_MESSAGE);
      return;
    }
    const scope = activeIncomingCallScope();
    if (scope !== undefined) scope.run(this, receiveHalfClose, this);
    else this.acceptHalfClose();
  }

  /** The request is complete: a single-request handler starts, a request stream ends. */
  acceptHalfClose(): void {
    if (this.route.descriptor.requestStream) {
      this.requests?.end();
      return;
    }
    const request = this.request;
    this.request = undefined;
    this.run(request);
  }

  onCancel(): void {
    // The transport reports every end of a call here, normal or not.
    this.flags |= ENDED;
    this.control.release(this);
    if ((this.flags & SETTLED) === 0) {
      this.flags |= CANCELLED;
      this.controller?.abort();
    }
    // A cancelled upload must not look complete to the handler: its iteration throws.
    this.requests?.abort();
    const waiter = this.extras?.drainWaiter;
    if (waiter !== undefined) {
      this.extras!.drainWaiter = undefined;
      waiter.reject(new AbortError());
    }
  }

  // ---- running the call ----

  private run(request: unknown): void {
    if ((this.flags & STARTED) !== 0) return;
    this.flags |= STARTED;
    // The route ends the call itself (respond, finish or fail) and never rejects.
    if (this.route.descriptor.responseStream) this.route.stream!(this, request);
    else this.route.unary!(this, request);
  }
}
