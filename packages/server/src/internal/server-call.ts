/*
 * One call as @org/server runs it: the context its handler and middleware see (nice-grpc's
 * `CallContext` plus `OrgCallContext`) and the grpc-js listener that feeds it, in one object.
 *
 * It takes the place of grpc-js's own handler layer (a Node stream per call) and of nice-grpc's
 * (an AbortController, three event listeners, three Metadata objects and a chain of promises per
 * call): it talks to the intercepting call (`CallRecord`) directly, and creates the signal, the
 * nice-grpc form of the request metadata, the header and trailer only when something reads them.
 * Those fields are own enumerable accessors (one shared descriptor each), so that middleware
 * spreading the context (`{ ...context, tenant }`) keeps them.
 */
import { Metadata as GrpcMetadata, type ServerInterceptingCallInterface } from "@grpc/grpc-js";
import { AbortError, isAbortError } from "abort-controller-x";
import { Metadata, ServerError, Status, type MethodDescriptor } from "nice-grpc-common";
import type { Logger } from "pino";
import type { Principal } from "../context.js";
import type { CallRecord } from "./call-control.js";

type Listener = Parameters<ServerInterceptingCallInterface["start"]>[0];

/** What runs a call once its request is in: the built-in steps, the middleware, the handler. */
export interface MethodRoute {
  readonly descriptor: MethodDescriptor;
  /** Unary and client-streaming: resolves the response. */
  unary?(call: ServerCall, request: unknown): Promise<unknown>;
  /** Server-streaming and bidi: writes every response with `call.write` and resolves at the end. */
  stream?(call: ServerCall, request: unknown): Promise<void>;
  /** Logger behind `context.log`. */
  readonly logger: Logger;
}

/** Response messages queued in grpc-js before a streaming handler waits (as a Node Writable's 16). */
const WRITE_HIGH_WATER_MARK = 16;
/** Request messages read ahead for a request stream. */
const READ_AHEAD = 16;

const OK_STATUS_DETAILS = "OK";

/** grpc-js metadata → nice-grpc metadata (what nice-grpc's createCallContext does). */
function fromGrpcMetadata(grpc: GrpcMetadata): Metadata {
  const metadata = Metadata();
  for (const key of Object.keys(grpc.getMap())) metadata.set(key, grpc.get(key) as string[] | Buffer[]);
  return metadata;
}

/** nice-grpc metadata → grpc-js metadata. */
function toGrpcMetadata(metadata: Metadata, into = new GrpcMetadata()): GrpcMetadata {
  for (const [key, values] of metadata) {
    for (const value of values) into.add(key, typeof value === "string" ? value : Buffer.from(value));
  }
  return into;
}

function isEmpty(metadata: Metadata): boolean {
  for (const _ of metadata) return false;
  return true;
}

/** The status a failed call ends with (nice-grpc's createErrorStatusObject). */
function errorStatus(path: string, error: unknown, trailer: GrpcMetadata | null) {
  if (error instanceof ServerError) return { code: error.code, details: error.details, metadata: trailer };
  if (isAbortError(error)) return { code: Status.CANCELLED, details: "The operation was cancelled", metadata: trailer };
  process.emitWarning(
    `${path}: Uncaught error in server implementation method. Server methods should only throw ServerError or AbortError. ${error instanceof Error ? error.stack : error}`,
  );
  return { code: Status.UNKNOWN, details: "Unknown server error occurred", metadata: trailer };
}

const metadataDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return (this.niceMetadata ??= fromGrpcMetadata(this.grpcMetadata));
  },
  enumerable: true,
};
const headerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    if (this.niceHeader === undefined) {
      this.niceHeader = Metadata();
      for (const [key, value] of this.headerEntries) this.niceHeader.set(key, value);
    }
    return this.niceHeader;
  },
  enumerable: true,
};
const trailerDescriptor: PropertyDescriptor = {
  get(this: ServerCall) {
    return (this.niceTrailer ??= Metadata());
  },
  enumerable: true,
};
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

export class ServerCall implements Listener {
  // ---- CallContext ----
  declare readonly metadata: Metadata;
  readonly peer: string;
  declare readonly header: Metadata;
  readonly sendHeader: () => void;
  declare readonly trailer: Metadata;
  declare readonly signal: AbortSignal;
  // ---- OrgCallContext ----
  requestId = "";
  principal: Principal | undefined = undefined;
  declare readonly log: Logger;
  readonly deadline: Date | undefined;
  // ---- internal ----
  readonly path: string;
  childLogger: Logger | undefined = undefined;
  niceMetadata: Metadata | undefined = undefined;
  niceHeader: Metadata | undefined = undefined;
  niceTrailer: Metadata | undefined = undefined;
  /** Response header entries set before anything read `header` (the request id). */
  headerEntries: [string, string][] = [];
  grpcMetadata!: GrpcMetadata;
  private headerSent = false;
  private request: unknown = undefined;
  private gotRequest = false;
  private started = false;
  /** Streaming responses: writes handed to grpc-js and not yet flushed. */
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
    this.sendHeader = () => this.flushHeader();
    Object.defineProperty(this, "metadata", metadataDescriptor);
    Object.defineProperty(this, "header", headerDescriptor);
    Object.defineProperty(this, "trailer", trailerDescriptor);
    Object.defineProperty(this, "signal", signalDescriptor);
    Object.defineProperty(this, "log", logDescriptor);
  }

  /** Sets a response header entry without creating the nice-grpc `header` unless it exists. */
  setHeader(key: string, value: string): void {
    if (this.niceHeader !== undefined) this.niceHeader.set(key, value);
    else this.headerEntries.push([key, value]);
  }

  /** True once the call ended while its handler was still running. */
  get cancelled(): boolean {
    return this.call.cancelled;
  }

  private flushHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    // Like nice-grpc: an empty header is not sent early (grpc-js sends its own with the response).
    if (this.niceHeader !== undefined) {
      if (!isEmpty(this.niceHeader)) this.call.sendMetadata(toGrpcMetadata(this.niceHeader));
    } else if (this.headerEntries.length > 0) {
      const grpc = new GrpcMetadata();
      for (const [key, value] of this.headerEntries) grpc.set(key, value);
      this.call.sendMetadata(grpc);
    }
  }

  private grpcTrailer(): GrpcMetadata | null {
    const trailer = this.niceTrailer;
    return trailer === undefined || isEmpty(trailer) ? null : toGrpcMetadata(trailer);
  }

  // ---- writing a response stream, with backpressure ----

  /** Writes one response message; returns a promise to wait for when grpc-js has enough queued. */
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

  // ---- grpc-js listener: the call's events, forwarded by CallRecord inside the call scope ----

  onReceiveMetadata(metadata: GrpcMetadata): void {
    this.grpcMetadata = metadata;
    if (this.route.descriptor.requestStream) {
      // Client-streaming and bidi handlers start with the metadata, as in grpc-js.
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
      // grpc-js's answer to a second message on a single-request call.
      this.call.sendStatus({ code: Status.UNIMPLEMENTED, details: `Received a second request message for server streaming method ${this.path}`, metadata: null });
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
      this.call.sendStatus({ code: Status.UNIMPLEMENTED, details: `Received no request message for server streaming method ${this.path}`, metadata: null });
      return;
    }
    const request = this.request;
    this.request = undefined;
    this.start(request);
  }

  onCancel(): void {
    this.requests?.end();
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
    if (this.route.descriptor.responseStream) void this.runStream(request);
    else void this.runUnary(request);
  }

  private async runUnary(request: unknown): Promise<void> {
    let response: unknown;
    try {
      response = await this.route.unary!(this, request);
    } catch (err) {
      this.call.settle();
      this.flushHeader();
      this.call.sendStatus(errorStatus(this.path, err, this.grpcTrailer()));
      return;
    }
    this.call.settle();
    this.flushHeader();
    const trailer = this.grpcTrailer();
    this.call.sendMessage(response, () => this.call.sendStatus({ code: Status.OK, details: OK_STATUS_DETAILS, metadata: trailer }));
  }

  private async runStream(request: unknown): Promise<void> {
    try {
      await this.route.stream!(this, request);
    } catch (err) {
      this.call.settle();
      this.flushHeader();
      this.call.sendStatus(errorStatus(this.path, err, this.grpcTrailer()));
      return;
    }
    this.call.settle();
    this.flushHeader();
    this.call.sendStatus({ code: Status.OK, details: OK_STATUS_DETAILS, metadata: this.grpcTrailer() });
  }
}

/**
 * The request messages of a client-streaming or bidi call as an async iterable. Reads ahead a few
 * messages (grpc-js delivers one per `startRead`, pausing the HTTP/2 stream otherwise, so a slow
 * handler applies backpressure to the client). Ends when the client half-closes or the call ends.
 */
class RequestStream implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly queue: unknown[] = [];
  private ended = false;
  private reading = false;
  private waiter: ((result: IteratorResult<unknown>) => void) | undefined = undefined;
  private iterated = false;

  constructor(private readonly call: CallRecord) {}

  push(message: unknown): void {
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: message, done: false });
    } else {
      this.queue.push(message);
    }
    this.readMore();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: undefined, done: true });
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
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    this.readMore();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    // The handler stopped reading: drop what is queued; the call itself goes on.
    this.queue.length = 0;
    this.ended = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}
