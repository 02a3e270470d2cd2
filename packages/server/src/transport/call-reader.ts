/*
 * The reading half of a call, shared by gRPC (http2-call.ts) and gRPC-Web
 * (web/web-transport-call.ts): request body bytes → length-prefixed messages (decompressed and
 * decoded), handed to the runtime one per `startRead()`, with the input paused while the reader is
 * behind (so a slow handler holds the client back), then the half-close; and a response message
 * encoded within the send limit.
 */
import { decompress, type Encoding } from "./compression.js";
import { MessageDecoder, type MessageSink, PREFIX_BYTES } from "./framing.js";
import type { CallLimits, CallOwner, MethodCodec } from "./http2-call.js";
import { Code } from "./status.js";

// The call's booleans are bits of one `flags` field (an idle stream keeps one number instead of
// one field each). These are the reader's; a subclass numbers its own from `OWN_FLAGS` up.
/** The input is paused because nobody wants its messages yet. */
const PAUSED = 1 << 0;
const INPUT_ENDED = 1 << 1;
const HALF_CLOSE_SENT = 1 << 2;
/** The body ended inside a message (kept when the decoder is dropped). */
const TRUNCATED = 1 << 3;
/** The call ended: nothing more is read or written. */
export const STATUS_SENT = 1 << 4;
/** The stream or connection under the call is gone. */
export const CLOSED = 1 << 5;
/** The first bit a subclass may use. */
export const OWN_FLAGS = 1 << 6;

export abstract class CallReader implements MessageSink {
  protected listener: CallOwner | undefined = undefined;
  protected flags = 0;
  /** Splits the request body into messages; dropped when the body ends (a stream may stay open long after). */
  private decoder: MessageDecoder | undefined;
  /** Decoded messages the reader has not asked for yet (created when one has to wait). */
  private queue: unknown[] | undefined = undefined;
  private readsWanted = 0;

  constructor(
    protected readonly codec: MethodCodec,
    protected readonly limits: CallLimits,
    private readonly requestEncoding: Encoding,
  ) {
    this.decoder = new MessageDecoder(limits.maxReceiveBytes);
  }

  /** Stop taking request bytes from the client (backpressure). */
  protected abstract pauseInput(): void;
  /** Take request bytes again. */
  protected abstract resumeInput(): void;
  /** End the call with an error found while reading. */
  abstract fail(code: number, details: string): void;

  private get queued(): number {
    return this.queue === undefined ? 0 : this.queue.length;
  }

  /** The request body ended (or is ending) inside a message. */
  get partialMessage(): boolean {
    return this.decoder === undefined ? (this.flags & TRUNCATED) !== 0 : this.decoder.partial;
  }

  receive(chunk: Buffer): void {
    if ((this.flags & STATUS_SENT) !== 0 || this.decoder === undefined) return; // the call is over; drain only
    const error = this.decoder.push(chunk, this);
    if (error === undefined) return;
    if (error.kind === "too-large") {
      this.fail(Code.RESOURCE_EXHAUSTED, `Received message larger than max (${error.length} vs ${this.limits.maxReceiveBytes})`);
    } else this.fail(Code.INVALID_ARGUMENT, "malformed request: invalid message flag");
  }

  onFrame(body: Buffer, compressed: boolean): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    let bytes = body;
    if (compressed) {
      const result = decompress(this.requestEncoding, body, this.limits.maxReceiveBytes);
      if (!result.ok) {
        // compression.md names INTERNAL for a flag without an encoding; here INTERNAL means a server
        // fault, and undecodable client bytes are INVALID_ARGUMENT like every malformed request.
        this.fail(result.tooLarge ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT, `malformed request: ${result.message}`);
        return;
      }
      bytes = result.body;
    }
    const message = this.codec.deserialize(bytes);
    if (this.readsWanted > 0 && this.queued === 0) {
      this.readsWanted--;
      this.listener!.onReceiveMessage(message);
    } else {
      (this.queue ??= []).push(message);
    }
    if (this.readsWanted === 0 && (this.flags & (STATUS_SENT | PAUSED)) === 0) {
      this.flags |= PAUSED;
      this.pauseInput();
    }
  }

  receiveEnd(): void {
    this.flags |= INPUT_ENDED;
    if (this.decoder !== undefined) {
      if (this.decoder.partial) this.flags |= TRUNCATED;
      this.decoder = undefined;
    }
    if (this.readsWanted > 0 && this.queued === 0) this.halfClose();
  }

  /** The reader wants one more message (or the half-close). */
  startRead(): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    if (this.queued > 0) {
      this.listener!.onReceiveMessage(this.queue!.shift());
      return;
    }
    if ((this.flags & INPUT_ENDED) !== 0) {
      this.halfClose();
      return;
    }
    this.readsWanted++;
    if ((this.flags & PAUSED) !== 0) {
      this.flags &= ~PAUSED;
      this.resumeInput();
    }
  }

  private halfClose(): void {
    if ((this.flags & HALF_CLOSE_SENT) !== 0) return;
    this.flags |= HALF_CLOSE_SENT;
    this.readsWanted = 0;
    this.listener!.onReceiveHalfClose();
  }

  /**
   * A response message as bytes, or undefined when it cannot be sent (it does not serialize, or it
   * is over the send limit): the call has then been failed.
   */
  protected encodeResponse(message: unknown): Uint8Array | undefined {
    let body: Uint8Array;
    try {
      body = this.codec.serialize(message);
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
    const max = this.limits.maxSendBytes;
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
