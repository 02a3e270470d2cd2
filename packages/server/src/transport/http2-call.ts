/*
 * One gRPC call on one HTTP/2 stream: the small interface the call runtime (call-control.ts,
 * server-call.ts) drives. In: the request metadata, then messages one per `startRead()` (the
 * stream is paused while the reader is behind, so a slow handler holds the client to about one
 * HTTP/2 window), then the half-close. Out: response headers, length-prefixed messages, and the
 * status in the trailers (or a trailers-only response when nothing was sent before it).
 *
 * Node's stream events are handled by shared functions that find the call on the stream (one
 * symbol-keyed field), so a call allocates no closures of its own.
 */
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { CallReader, CLOSED, FIRST_OWN_FLAG, STATUS_SENT } from "./call-reader.js";
import { ACCEPT_ENCODING, compress, type Encoding, requestEncoding, SUPPORTED_ENCODINGS } from "./compression.js";
import { encodeMessage } from "./framing.js";
import { addMetadataHeaders, RequestMetadata, rawHeaderListBytes } from "./metadata.js";
import type { SessionState } from "./session.js";
import { Code, setStatus } from "./status.js";
import type { CallProtocol } from "./web/call-io.js";

/** Metadata as entries: nice-grpc `Metadata` iterates like this. */
export type MetadataEntries = Iterable<[string, readonly (string | Uint8Array)[]]>;

/** What a call tells the runtime above it. */
export interface CallListener {
  onReceiveMetadata(metadata: RequestMetadata): void;
  onReceiveMessage(message: unknown): void;
  onReceiveHalfClose(): void;
  /** The stream is over (trailers sent, reset, or connection lost). Called once. */
  onCancel(): void;
}

/** The runtime's handle on a call that the transport must refuse (bad timeout, oversize message, …). */
export interface CallOwner extends CallListener {
  /** End the call with this status (and log and count it like any call the server refuses). */
  onTransportError(code: number, details: string): void;
}

export interface CallStatus {
  code: number;
  details: string;
  metadata: MetadataEntries | null;
}

/**
 * What the call runtime (call-control.ts) needs of a call, whatever carries it. `Http2Call`
 * implements it over an HTTP/2 stream; a gRPC-Web call can implement it over web/call-io.ts's
 * `CallIO` and run through the same runtime and middleware.
 */
export interface TransportCall {
  /** The wire protocol of the call, for logs, metrics and spans. */
  readonly protocol: CallProtocol;
  /** Delivers the metadata to `listener` (or, with `refusal`, ends the call through it). */
  start(listener: CallOwner, metadata: RequestMetadata | undefined, refusal?: { code: number; details: string }): void;
  getPeer(): string;
  /** Client deadline, epoch ms (`Infinity`: none). */
  getDeadline(): number;
  /** The peer reset the call or the connection was lost. */
  readonly aborted: boolean;
  /** The request body ended inside a message. */
  readonly partialMessage: boolean;
  /** The listener wants one more message (or the half-close). */
  startRead(): void;
  sendMetadata(metadata: MetadataEntries | null): void;
  sendMessage(message: unknown, done: () => void): void;
  sendStatus(status: CallStatus, header?: MetadataEntries | null): void;
  /** The single response of a unary or client-streaming call, then `status`: `sendMessage` and `sendStatus` in one. */
  sendResponse(message: unknown, status: CallStatus): void;
}

/** How to turn bytes into messages and back, for one method. */
export interface MethodCodec {
  deserialize(bytes: Uint8Array): unknown;
  serialize(value: unknown): Uint8Array;
  /** The message as one uncompressed frame, prefix included (framed-encoder.ts), when the type allows it. */
  frame?: ((value: unknown) => Buffer) | undefined;
}

/** Per-server limits a call applies. */
export interface CallLimits {
  /** Largest request message, bytes, after decompression (`-1`: none). */
  maxReceiveBytes: number;
  /** Largest response message, bytes (`-1`: none). */
  maxSendBytes: number;
  /** Compress responses with this encoding when the client accepts it. */
  responseEncoding: Encoding;
}

/** What the calls of one method on one server share (a call keeps one pointer to it, not two). */
export interface CallMethod {
  readonly codec: MethodCodec;
  readonly limits: CallLimits;
}

const CALL = Symbol("grpc call");
type CallStream = ServerHttp2Stream & { [CALL]: Http2Call };

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } = constants;

function onData(this: CallStream, chunk: Buffer): void {
  this[CALL].receive(chunk);
}
function onEnd(this: CallStream): void {
  this[CALL].receiveEnd();
}
function onClose(this: CallStream): void {
  this[CALL].closed();
}
function onWantTrailers(this: CallStream): void {
  this[CALL].sendTrailers();
}
function onError(): void {
  // 'close' follows; the call ends there.
}

/** The trailers that carry `status`. */
function statusTrailers(status: CallStatus): OutgoingHttpHeaders {
  const trailers = setStatus({}, status.code, status.details);
  if (status.metadata !== null) addMetadataHeaders(trailers, status.metadata);
  return trailers;
}

// Flag bits of `Http2Call`, after CallReader's.
/** The response headers went out. */
const HEADERS_SENT = 1 << FIRST_OWN_FLAG;
/** Two bits: the response encoding, as its index in SUPPORTED_ENCODINGS (0: identity). */
const SEND_ENCODING_SHIFT = FIRST_OWN_FLAG + 1;
const SEND_ENCODING = 0b11 << SEND_ENCODING_SHIFT;
/**
 * One bit per encoding of SUPPORTED_ENCODINGS (by index) that the client lists in its
 * `grpc-accept-encoding`: kept for a compression the handler may ask for, instead of the header.
 */
const ACCEPTS_SHIFT = SEND_ENCODING_SHIFT + 2;

/** The flag bits of the encodings `header` (a `grpc-accept-encoding`) lists. */
function acceptedEncodings(header: string | string[] | undefined): number {
  if (header === undefined) return 0;
  if (header === ACCEPT_ENCODING) return 0b111 << ACCEPTS_SHIFT; // what grpc-js (and this server) sends
  let bits = 0;
  for (const part of (typeof header === "string" ? header : header.join(",")).split(",")) {
    const index = SUPPORTED_ENCODINGS.indexOf(part.trim() as Encoding);
    if (index >= 0) bits |= 1 << (ACCEPTS_SHIFT + index);
  }
  return bits;
}

function onDeadline(call: Http2Call): void {
  call.fail(Code.DEADLINE_EXCEEDED, "Deadline exceeded");
}

export class Http2Call extends CallReader implements TransportCall {
  private trailers: OutgoingHttpHeaders | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    /** The same headers as Node's raw list (`[name, value, …]`). */
    rawHeaders: readonly string[],
    method: CallMethod,
    private readonly session: SessionState,
    /** Client deadline, epoch ms (`Infinity`: none). */
    readonly deadlineMs: number,
    requestEncoding: Encoding,
    sendEncoding: Encoding,
  ) {
    // The call keeps no reference to Node's header object.
    super(method, requestEncoding, new RequestMetadata(headers, rawHeaderListBytes(rawHeaders)));
    if (sendEncoding !== "identity") this.sendEncoding = sendEncoding;
    this.flags |= acceptedEncodings(headers["grpc-accept-encoding"]);
    (stream as CallStream)[CALL] = this;
    session.streamOpened();
  }

  /** Starts the call: the listener gets the metadata now, messages as it reads them. */
  start(listener: CallOwner, metadata: RequestMetadata | undefined, refusal?: { code: number; details: string }): void {
    this.listener = listener;
    const own = this.takeMetadata()!;
    const stream = this.stream;
    stream.on("close", onClose);
    stream.on("error", onError);
    stream.on("wantTrailers", onWantTrailers);
    if (refusal !== undefined) {
      stream.resume(); // drain what the client still sends
      listener.onTransportError(refusal.code, refusal.details);
      return;
    }
    if (this.deadlineMs !== Infinity) {
      const ms = this.deadlineMs - Date.now();
      if (ms > 0) this.timer = setTimeout(onDeadline, ms, this);
    }
    stream.on("data", onData);
    stream.on("end", onEnd);
    listener.onReceiveMetadata(metadata ?? own);
  }

  // ---- facts the runtime asks about ----

  get protocol(): CallProtocol {
    return "grpc";
  }

  getPeer(): string {
    return this.session.peer;
  }

  getDeadline(): number {
    return this.deadlineMs;
  }

  /** The peer reset the stream or the connection was lost. */
  get aborted(): boolean {
    return this.stream.aborted;
  }

  // ---- reading (the rest is CallReader's) ----

  protected pauseInput(): void {
    this.stream.pause();
  }

  protected resumeInput(): void {
    this.stream.resume();
  }

  // ---- writing ----

  private get sendEncoding(): Encoding {
    return SUPPORTED_ENCODINGS[(this.flags & SEND_ENCODING) >> SEND_ENCODING_SHIFT]!;
  }

  private set sendEncoding(encoding: Encoding) {
    this.flags = (this.flags & ~SEND_ENCODING) | (SUPPORTED_ENCODINGS.indexOf(encoding) << SEND_ENCODING_SHIFT);
  }

  private responseHeaders(metadata: MetadataEntries | null): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {
      [HTTP2_HEADER_STATUS]: 200,
      [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      "grpc-accept-encoding": ACCEPT_ENCODING,
    };
    if (metadata !== null) {
      const requested = addMetadataHeaders(headers, metadata);
      // The handler chose this call's compression; used only if the client accepts it.
      if (requested !== undefined) this.sendEncoding = this.callEncoding(requested);
    }
    if ((this.flags & SEND_ENCODING) !== 0) headers["grpc-encoding"] = this.sendEncoding;
    return headers;
  }

  /** The encoding a handler asked for, if this server speaks it and the client accepts it; else identity. */
  private callEncoding(requested: string): Encoding {
    const wanted = requestEncoding(requested.trim().toLowerCase());
    if (wanted === undefined) return "identity";
    return (this.flags & (1 << (ACCEPTS_SHIFT + SUPPORTED_ENCODINGS.indexOf(wanted)))) !== 0 ? wanted : "identity";
  }

  private writable(): boolean {
    return (this.flags & CLOSED) === 0 && !this.stream.destroyed;
  }

  /** Sends the response headers now (with `metadata`), unless they were sent already. */
  sendMetadata(metadata: MetadataEntries | null): void {
    if ((this.flags & (HEADERS_SENT | STATUS_SENT)) !== 0 || !this.writable()) return;
    this.flags |= HEADERS_SENT;
    this.stream.respond(this.responseHeaders(metadata), { waitForTrailers: true });
  }

  /** Writes one response message; `done` runs once it is flushed (or the call is over). */
  sendMessage(message: unknown, done: () => void): void {
    const frame = (this.flags & STATUS_SENT) !== 0 || !this.writable() ? undefined : this.frame(message);
    if (frame === undefined) {
      done();
      return;
    }
    this.stream.write(frame, done);
  }

  /**
   * The response of a single-response call and its status: the message goes out with the end of
   * the stream (one `end(frame)`, as a bare HTTP/2 server answers), the trailers right after it.
   */
  sendResponse(message: unknown, status: CallStatus): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    const frame = this.writable() ? this.frame(message) : undefined;
    if (frame === undefined) {
      // Not writable, or the message could not be sent (the call has then been failed).
      this.sendStatus(status);
      return;
    }
    this.flags |= STATUS_SENT;
    this.clearTimer();
    this.stopReading();
    this.trailers = statusTrailers(status);
    this.stream.end(frame);
  }

  /**
   * One response message as its frame, with the response headers sent first if they were not;
   * `undefined` when it cannot be sent (the call has then been failed).
   */
  private frame(message: unknown): Uint8Array | undefined {
    let frame: Uint8Array | undefined;
    const identity = (this.flags & SEND_ENCODING) === 0;
    const codec = this.method.codec;
    if (identity && codec.frame !== undefined) frame = this.encodeFramedResponse(message, codec.frame);
    else {
      const body = this.encodeResponse(message);
      if (body !== undefined)
        frame = identity ? encodeMessage(body) : encodeMessage(compress(this.sendEncoding as Exclude<Encoding, "identity">, body), true);
    }
    if (frame === undefined) return undefined;
    if ((this.flags & HEADERS_SENT) === 0) this.sendMetadata(null);
    this.session.pingStrikes = 0; // like grpc-go: sending data makes the client's pings legitimate
    return frame;
  }

  /**
   * Ends the call with `status`; later calls are ignored. `header`: response header entries not
   * sent yet. With none and nothing sent before, the answer is one trailers-only HEADERS frame.
   */
  sendStatus(status: CallStatus, header: MetadataEntries | null = null): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    this.flags |= STATUS_SENT;
    this.clearTimer();
    this.stopReading();
    if (!this.writable()) return;
    // Response header metadata goes in a HEADERS frame of its own: clients (grpc-js among them)
    // show the metadata of a trailers-only response as trailers, not as the header.
    if (header !== null && (this.flags & HEADERS_SENT) === 0) {
      this.flags |= HEADERS_SENT;
      this.stream.respond(this.responseHeaders(header), { waitForTrailers: true });
    }
    if ((this.flags & HEADERS_SENT) === 0) {
      // Trailers-only: status and metadata in the one HEADERS frame, which ends the stream.
      this.flags |= HEADERS_SENT;
      const headers = this.responseHeaders(null);
      if (status.metadata !== null) addMetadataHeaders(headers, status.metadata);
      setStatus(headers, status.code, status.details);
      this.stream.respond(headers, { endStream: true });
      return;
    }
    this.trailers = statusTrailers(status);
    this.stream.end();
  }

  sendTrailers(): void {
    const trailers = this.trailers ?? setStatus({}, Code.OK, "");
    this.trailers = undefined;
    if (!this.stream.destroyed) this.stream.sendTrailers(trailers);
  }

  /** Ends the call with an error the transport found, through the runtime (which logs it). */
  fail(code: number, details: string): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    if (this.listener !== undefined) this.listener.onTransportError(code, details);
    else this.sendStatus({ code, details, metadata: null });
    // The runtime may have ended the call already for another reason; make sure it is ended.
    this.sendStatus({ code, details, metadata: null });
  }

  /** Ends the stream at once (RST_STREAM CANCEL): used when the grace period is over. */
  cancel(): void {
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  closed(): void {
    if ((this.flags & CLOSED) !== 0) return;
    this.flags |= CLOSED;
    this.clearTimer();
    this.session.streamClosed();
    this.listener?.onCancel();
  }
}
