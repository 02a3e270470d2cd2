/*
 * One call as @org/server runs it: the context its handler and middleware see (nice-grpc's
 * `CallContext` plus `OrgCallContext`) and the transport listener that feeds it, in one object.
 *
 * It takes the place of a handler layer of Node streams per call and of nice-grpc's
 * (an AbortController, three event listeners, three Metadata objects of seven closures each and a
 * chain of promises per call): it talks to the intercepting call (`CallRecord`) directly, and
 * creates the signal, the nice-grpc form of the request metadata, the header and the trailer only
 * when something uses them. Every context field is an own enumerable property, so that middleware
 * spreading the context (`{ ...context, tenant }`) keeps them: the metadata fields are lazy
 * Metadata objects, `signal` and `log` accessors (one shared descriptor each).
 */
import { AbortError, isAbortError } from "abort-controller-x";
import { Metadata, type MetadataValue, type MethodDescriptor, ServerError, Status } from "nice-grpc-common";
import type { Logger } from "pino";
import type { Principal } from "../context.js";
import type { CallListener, MetadataEntries } from "../transport/http2-call.js";
import { RequestMetadata } from "../transport/metadata.js";
import type { CallRecord } from "./call-control.js";

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
/** Request messages read ahead for a request stream. */
const READ_AHEAD = 16;

const OK_STATUS_DETAILS = "OK";

/** Request metadata → nice-grpc metadata (what nice-grpc's createCallContext does). */
function toNiceMetadata(request: RequestMetadata): Metadata {
  const metadata = Metadata();
  for (const [key, values] of request.entries) metadata.set(key, values as string[] | Buffer[]);
  return metadata;
}

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

/**
 * A nice-grpc `Metadata` that builds the real one on first use: from the request's
 * metadata, or empty (plus `initial` entries) for the response header and trailer.
 */
export class LazyMetadata implements Metadata {
  private inner: Metadata | undefined = undefined;
  /** Entries to put in an empty metadata when it is built. */
  initial: [string, string][] | undefined = undefined;

  constructor(private readonly source: RequestMetadata | undefined) {}

  /** Whether anything has been read or written yet. */
  get built(): boolean {
    return this.inner !== undefined;
  }

  /** The real metadata, built now if needed. */
  get real(): Metadata {
    if (this.inner === undefined) {
      this.inner = this.source !== undefined ? toNiceMetadata(this.source) : Metadata();
      if (this.initial !== undefined) for (const [key, value] of this.initial) this.inner.set(key, value);
    }
    return this.inner;
  }

  set<Key extends string>(key: Key, value: MetadataValue<Key> | MetadataValue<Key>[]): Metadata {
    this.real.set(key, value);
    return this;
  }
  append<Key extends string>(key: Key, value: MetadataValue<Key>): Metadata {
    this.real.append(key, value);
    return this;
  }
  delete(key: string): void {
    this.real.delete(key);
  }
  get<Key extends string>(key: Key): MetadataValue<Key> | undefined {
    return this.real.get(key);
  }
  getAll<Key extends string>(key: Key): MetadataValue<Key>[] {
    return this.real.getAll(key);
  }
  has(key: string): boolean {
    return this.real.has(key);
  }
  [Symbol.iterator](): IterableIterator<[string, (string | Uint8Array)[]]> {
    return this.real[Symbol.iterator]();
  }
}

const signalDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return this.call.signal;
  },
  enumerable: true,
};
const logDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    // A pino child costs a few µs: build it only for handlers that log.
    return (this.childLogger ??= this.route.logger.child({ requestId: this.requestId, method: this.path }));
  },
  enumerable: true,
};

// The request metadata, response header and trailer, and `sendHeader`, exist once something uses
// them: an idle stream that never does keeps none of them (about 200 bytes each stream).
const NO_METADATA = new LazyMetadata(new RequestMetadata());
const metadataDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    if (this.grpcMetadata === undefined) return NO_METADATA; // before the request metadata arrived
    return (this.requestMetadata ??= new LazyMetadata(this.grpcMetadata));
  },
  enumerable: true,
};
const headerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    if (this.responseHeader === undefined) {
      this.responseHeader = new LazyMetadata(undefined);
      if (this.echoKey !== undefined) this.responseHeader.initial = [[this.echoKey, this.echoValue!]];
    }
    return this.responseHeader;
  },
  enumerable: true,
};
const trailerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return (this.responseTrailer ??= new LazyMetadata(undefined));
  },
  enumerable: true,
};
const sendHeaderDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return (this.sendHeaderFn ??= () => this.flushHeader());
  },
  enumerable: true,
};

export class ServerCall implements CallListener {
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
  readonly path: string;
  childLogger: Logger | undefined = undefined;
  grpcMetadata: RequestMetadata | undefined = undefined;
  requestMetadata: LazyMetadata | undefined = undefined;
  responseHeader: LazyMetadata | undefined = undefined;
  /** The request id entry of the response header, until something reads `header` (an entry then). */
  echoKey: string | undefined = undefined;
  echoValue: string | undefined = undefined;
  responseTrailer: LazyMetadata | undefined = undefined;
  sendHeaderFn: (() => void) | undefined = undefined;
  private headerSent = false;
  private request: unknown = undefined;
  private gotRequest = false;
  private started = false;
  /** Streaming responses: writes handed to the transport and not yet flushed. */
  private pendingWrites = 0;
  private drainWaiter: { resolve(): void; reject(err: unknown): void } | undefined = undefined;
  private written: (() => void) | undefined = undefined;
  private requests: RequestStream | undefined = undefined;

  constructor(
    readonly call: CallRecord,
    readonly route: MethodRoute,
  ) {
    this.path = route.descriptor.path;
    this.peer = call.getPeer();
    this.deadline = call.deadline;
    Object.defineProperty(this, "metadata", metadataDescriptor);
    Object.defineProperty(this, "header", headerDescriptor);
    Object.defineProperty(this, "sendHeader", sendHeaderDescriptor);
    Object.defineProperty(this, "trailer", trailerDescriptor);
    Object.defineProperty(this, "signal", signalDescriptor);
    Object.defineProperty(this, "log", logDescriptor);
  }

  /** Sends `requestId` back in the response header under `key`, without building the nice-grpc header. */
  echoRequestId(key: string): void {
    const header = this.responseHeader;
    const id = this.requestId;
    if (header === undefined) {
      this.echoKey = key;
      this.echoValue = id;
    } else if (header.built) header.set(key, id);
    else (header.initial ??= []).push([key, id]);
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

  /** Whether the call reached the built-in steps (and so gets their log line and metrics). */
  get running(): boolean {
    return this.started;
  }

  /** True once the call ended while its handler was still running. */
  get cancelled(): boolean {
    return this.call.cancelled;
  }

  /** Sends the response header now, if there is one to send (context.sendHeader). */
  flushHeader(): void {
    const header = this.takeHeader();
    // Like nice-grpc: an empty header is not sent early (the transport sends its own with the response).
    if (header !== null) this.call.sendMetadata(header);
  }

  /** The response header entries not sent yet (`null`: none), marked as sent. */
  private takeHeader(): MetadataEntries | null {
    if (this.headerSent) return null;
    this.headerSent = true;
    const header = this.responseHeader;
    if (header?.built) return isEmpty(header) ? null : header;
    if (header === undefined) return this.echoKey === undefined ? null : [[this.echoKey, [this.echoValue!]]];
    const entries = header.initial;
    return entries === undefined ? null : entries.map(([key, value]) => [key, [value]] as [string, string[]]);
  }

  private grpcTrailer(): Metadata | null {
    const trailer = this.responseTrailer;
    return trailer === undefined || !trailer.built || isEmpty(trailer) ? null : trailer;
  }

  // ---- writing a response stream, with backpressure ----

  /** Writes one response message; returns a promise to wait for when the transport has enough queued. */
  write(message: unknown): Promise<void> | undefined {
    this.flushHeader();
    this.pendingWrites++;
    this.call.sendMessage(message, (this.written ??= () => this.onWritten()));
    if (this.pendingWrites < WRITE_HIGH_WATER_MARK) return undefined;
    if (this.call.cancelled) return Promise.reject(new AbortError());
    return new Promise<void>((resolve, reject) => {
      this.drainWaiter = { resolve, reject };
    });
  }

  private onWritten(): void {
    this.pendingWrites--;
    if (this.pendingWrites === 0 && this.drainWaiter !== undefined) {
      const waiter = this.drainWaiter;
      this.drainWaiter = undefined;
      waiter.resolve();
    }
  }

  // ---- transport listener: the call's events, forwarded by CallRecord inside the call scope ----

  onReceiveMetadata(metadata: RequestMetadata): void {
    // A stream may stay open for long: it keeps its metadata, not all the request's headers.
    if (this.route.descriptor.responseStream) metadata.compact();
    this.grpcMetadata = metadata;
    if (this.route.descriptor.requestStream) {
      // Client-streaming and bidi handlers start with the metadata, as in grpc-js and grpc-go.
      this.requests = new RequestStream(this.call);
      this.start(this.requests);
    } else {
      this.call.startRead();
    }
  }

  onReceiveMessage(message: unknown): void {
    if (this.requests !== undefined) {
      this.requests.push(message);
      return;
    }
    if (this.gotRequest) {
      // grpc-js's answer (kept) to a second message on a single-request call.
      this.call.sendStatus({
        code: Status.UNIMPLEMENTED,
        details: `Received a second request message for server streaming method ${this.path}`,
        metadata: null,
      });
      return;
    }
    this.gotRequest = true;
    this.request = message;
    this.call.startRead();
  }

  onReceiveHalfClose(): void {
    if (this.requests !== undefined) {
      this.requests.end();
      return;
    }
    if (!this.gotRequest) {
      this.call.sendStatus({
        code: Status.UNIMPLEMENTED,
        details: `Received no request message for server streaming method ${this.path}`,
        metadata: null,
      });
      return;
    }
    const request = this.request;
    this.request = undefined;
    this.start(request);
  }

  onCancel(): void {
    // A cancelled upload must not look complete to the handler: its iteration throws.
    this.requests?.abort();
    if (this.drainWaiter !== undefined) {
      const waiter = this.drainWaiter;
      this.drainWaiter = undefined;
      waiter.reject(new AbortError());
    }
  }

  // ---- running the call ----

  private start(request: unknown): void {
    if (this.started) return;
    this.started = true;
    // The route ends the call itself (respond, finish or fail) and never rejects.
    if (this.route.descriptor.responseStream) this.route.stream!(this, request);
    else this.route.unary!(this, request);
  }

  /** Sends the single response of a unary or client-streaming call. */
  respond(response: unknown): void {
    this.call.settle();
    this.flushHeader();
    this.call.sendResponse(response, { code: Status.OK, details: OK_STATUS_DETAILS, metadata: this.grpcTrailer() });
  }

  /** Ends a server-streaming or bidi call with OK after its last message. */
  finish(): void {
    this.call.settle();
    this.call.sendStatus({ code: Status.OK, details: OK_STATUS_DETAILS, metadata: this.grpcTrailer() }, this.takeHeader());
  }

  /** Ends the call with the status `error` stands for. */
  fail(error: unknown): void {
    this.call.settle();
    this.call.sendStatus(errorStatus(this.path, error, this.grpcTrailer()), this.takeHeader());
  }
}

/**
 * The request messages of a client-streaming or bidi call as an async iterable. Reads ahead a few
 * messages (the transport delivers one per `startRead`, pausing the HTTP/2 stream otherwise, so a slow
 * handler applies backpressure to the client). Ends when the client half-closes or the call ends.
 */
class RequestStream implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly queue: unknown[] = [];
  private ended = false;
  /** Set when the call ended before the client half-closed: iteration throws it. */
  private error: AbortError | undefined = undefined;
  private reading = false;
  private waiter: { resolve(result: IteratorResult<unknown>): void; reject(error: unknown): void } | undefined = undefined;
  private iterated = false;

  constructor(private readonly call: CallRecord) {}

  push(message: unknown): void {
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: message, done: false });
    } else {
      this.queue.push(message);
    }
    this.readMore();
  }

  /** The client half-closed: iteration ends after the queued messages. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
    }
  }

  /** The call ended first (cancelled, deadline, shutdown): iteration throws an AbortError. */
  abort(): void {
    if (this.ended) return;
    this.ended = true;
    this.reading = false;
    this.queue.length = 0;
    this.error = new AbortError();
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.reject(this.error);
    }
  }

  private readMore(): void {
    if (this.ended || this.reading || this.queue.length >= READ_AHEAD) return;
    this.reading = true;
    this.call.startRead();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.iterated) throw new Error("the request stream can be iterated only once");
    this.iterated = true;
    this.readMore();
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift();
      this.readMore();
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    this.readMore();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    // The handler stopped reading: drop what is queued; the call itself goes on.
    this.queue.length = 0;
    this.ended = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}
