/*
 * The reading half of a call, shared by gRPC (http2-call.ts) and gRPC-Web
 * (web/web-transport-call.ts): request body bytes → length-prefixed messages (decompressed and
 * decoded), handed to the runtime one per `startRead()`, with the input paused while the reader is
 * behind (so a slow handler holds the client back), then the half-close; and a response message
 * encoded within the send limit.
 */
import { decompress, type Encoding } from "./compression.js";
import { MessageDecoder, type MessageSink, PREFIX_BYTES } from "./framing.js";
import type { CallMethod, CallOwner } from "./http2-call.js";
import type { RequestMetadata } from "./metadata.js";
import { Code } from "./status.js";

// The call's booleans are bits of one `flags` field (an idle stream keeps one number instead of
// one field each). These are the reader's; a subclass numbers its own from bit `FIRST_OWN_FLAG` up.
/** The input is paused because nobody wants its messages yet. */
const PAUSED = 1 << 0;
const INPUT_ENDED = 1 << 1;
const HALF_CLOSE_SENT = 1 << 2;
/** The body ended inside a message (kept when the request state is dropped). */
const TRUNCATED = 1 << 3;
/** The call ended: nothing more is read or written. */
export const STATUS_SENT = 1 << 4;
/** The stream or connection under the call is gone. */
export const CLOSED = 1 << 5;
/** The first flag bit a subclass may use. */
export const FIRST_OWN_FLAG = 6;

/**
 * What only reading the request needs: its decoder (which this extends, so a call allocates one
 * object for both), the messages the reader has not taken, the request's encoding, and its
 * metadata until the call starts. Dropped once the body has ended and its last message was taken:
 * a stream may stay open long after its request, and then keeps one empty field for all this.
 */
class RequestState extends MessageDecoder {
  /** Decoded messages the reader has not asked for yet (created when one has to wait). */
  queue: unknown[] | undefined = undefined;
  readsWanted = 0;

  constructor(
    maxLength: number,
    readonly encoding: Encoding,
    /** The request metadata until `start` takes it (`undefined` when the call builds it there). */
    public metadata: RequestMetadata | undefined,
  ) {
    super(maxLength);
  }
}

export abstract class CallReader implements MessageSink {
  protected listener: CallOwner | undefined = undefined;
  protected flags = 0;
  private request: RequestState | undefined;

  constructor(
    protected readonly method: CallMethod,
    requestEncoding: Encoding,
    metadata: RequestMetadata | undefined,
  ) {
    this.request = new RequestState(method.limits.maxReceiveBytes, requestEncoding, metadata);
  }

  /** Stop taking request bytes from the client (backpressure). */
  protected abstract pauseInput(): void;
  /** Take request bytes again. */
  protected abstract resumeInput(): void;
  /** End the call with an error found while reading. */
  abstract fail(code: number, details: string): void;

  /** The request metadata given to the constructor, handed over once (by `start`). */
  protected takeMetadata(): RequestMetadata | undefined {
    const request = this.request;
    if (request === undefined) return undefined;
    const metadata = request.metadata;
    request.metadata = undefined;
    return metadata;
  }

  /** The request body ended (or is ending) inside a message. */
  get partialMessage(): boolean {
    const request = this.request;
    return request === undefined ? (this.flags & TRUNCATED) !== 0 : request.partial;
  }

  receive(chunk: Buffer): void {
    const request = this.request;
    // The call is over, or the body is: drain only.
    if ((this.flags & (STATUS_SENT | INPUT_ENDED)) !== 0 || request === undefined) return;
    const error = request.push(chunk, this);
    if (error === undefined) return;
    if (error.kind === "too-large") {
      this.fail(Code.RESOURCE_EXHAUSTED, `Received message larger than max (${error.length} vs ${this.method.limits.maxReceiveBytes})`);
    } else this.fail(Code.INVALID_ARGUMENT, "malformed request: invalid message flag");
  }

  onFrame(body: Buffer, compressed: boolean): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    let bytes = body;
    const request = this.request!; // the decoder of this state is the caller
    if (compressed) {
      const result = decompress(request.encoding, body, this.method.limits.maxReceiveBytes);
      if (!result.ok) {
        // compression.md names INTERNAL for a flag without an encoding; here INTERNAL means a server
        // fault, and undecodable client bytes are INVALID_ARGUMENT like every malformed request.
        this.fail(result.tooLarge ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT, `malformed request: ${result.message}`);
        return;
      }
      bytes = result.body;
    }
    const message = this.method.codec.deserialize(bytes);
    const queue = request.queue;
    if (request.readsWanted > 0 && (queue === undefined || queue.length === 0)) {
      request.readsWanted--;
      this.listener!.onReceiveMessage(message);
    } else if (queue === undefined) {
      request.queue = [message];
    } else {
      queue.push(message);
    }
    if (request.readsWanted === 0 && (this.flags & (STATUS_SENT | PAUSED)) === 0) {
      this.flags |= PAUSED;
      this.pauseInput();
    }
  }

  receiveEnd(): void {
    this.flags |= INPUT_ENDED;
    const request = this.request;
    if (request === undefined) return;
    if (request.partial) this.flags |= TRUNCATED;
    if (request.queue !== undefined && request.queue.length > 0) return; // dropped when they are read
    this.request = undefined;
    if (request.readsWanted > 0) this.halfClose();
  }

  /** The reader wants one more message (or the half-close). */
  startRead(): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    const request = this.request;
    if (request === undefined) {
      this.halfClose(); // the body has ended and every message was read
      return;
    }
    const queue = request.queue;
    if (queue !== undefined && queue.length > 0) {
      const message = queue.shift();
      if (queue.length === 0 && (this.flags & INPUT_ENDED) !== 0) this.request = undefined;
      this.listener!.onReceiveMessage(message);
      return;
    }
    request.readsWanted++;
    if ((this.flags & PAUSED) !== 0) {
      this.flags &= ~PAUSED;
      this.resumeInput();
    }
  }

  private halfClose(): void {
    if ((this.flags & HALF_CLOSE_SENT) !== 0) return;
    this.flags |= HALF_CLOSE_SENT;
    this.listener!.onReceiveHalfClose();
  }

  /**
   * A response message as bytes, or undefined when it cannot be sent (it does not serialize, or it
   * is over the send limit): the call has then been failed.
   */
  protected encodeResponse(message: unknown): Uint8Array | undefined {
    let body: Uint8Array;
    try {
      body = this.method.codec.serialize(message);
    } catch {
      this.fail(Code.INTERNAL, "Error serializing response");
      return undefined;
    }
    return this.withinSendLimit(body.length) ? body : undefined;
  }

  /** Like `encodeResponse`, for a codec that writes the whole frame (prefix included). */
  protected encodeFramedResponse(message: unknown, frame: (value: unknown) => Uint8Array): Uint8Array | undefined {
    let bytes: Uint8Array;
    try {
      bytes = frame(message);
    } catch {
      this.fail(Code.INTERNAL, "Error serializing response");
      return undefined;
    }
    return this.withinSendLimit(bytes.length - PREFIX_BYTES) ? bytes : undefined;
  }

  /** Whether a response message of `length` bytes may be sent; fails the call when not. */
  private withinSendLimit(length: number): boolean {
    const max = this.method.limits.maxSendBytes;
    if (max < 0 || length <= max) return true;
    this.fail(Code.RESOURCE_EXHAUSTED, `Sent message larger than max (${length} vs ${max})`);
    return false;
  }

  /** The call is ending: let whatever the client still sends drain. */
  protected stopReading(): void {
    if ((this.flags & (INPUT_ENDED | PAUSED)) === PAUSED) {
      this.flags &= ~PAUSED;
      this.resumeInput();
    }
  }
}
