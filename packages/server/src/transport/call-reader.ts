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

export abstract class CallReader implements MessageSink {
  protected listener: CallOwner | undefined = undefined;
  /** Splits the request body into messages; dropped when the body ends (a stream may stay open long after). */
  private decoder: MessageDecoder | undefined;
  /** The body ended inside a message (kept when the decoder is dropped). */
  private truncated = false;
  /** Decoded messages the reader has not asked for yet (created when one has to wait). */
  private queue: unknown[] | undefined = undefined;
  private readsWanted = 0;
  /** The input is paused because nobody wants its messages yet. */
  protected paused = false;
  protected inputEnded = false;
  private halfCloseSent = false;
  /** The call ended: nothing more is read or written. */
  protected statusSent = false;

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
    return this.decoder === undefined ? this.truncated : this.decoder.partial;
  }

  receive(chunk: Buffer): void {
    if (this.statusSent || this.decoder === undefined) return; // the call is over; drain only
    const error = this.decoder.push(chunk, this);
    if (error === undefined) return;
    if (error.kind === "too-large") {
      this.fail(Code.RESOURCE_EXHAUSTED, `Received message larger than max (${error.length} vs ${this.limits.maxReceiveBytes})`);
    } else this.fail(Code.INVALID_ARGUMENT, "malformed request: invalid message flag");
  }

  onFrame(body: Buffer, compressed: boolean): void {
    if (this.statusSent) return;
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
    if (this.readsWanted === 0 && !this.statusSent && !this.paused) {
      this.paused = true;
      this.pauseInput();
    }
  }

  receiveEnd(): void {
    this.inputEnded = true;
    if (this.decoder !== undefined) {
      this.truncated = this.decoder.partial;
      this.decoder = undefined;
    }
    if (this.readsWanted > 0 && this.queued === 0) this.halfClose();
  }

  /** The reader wants one more message (or the half-close). */
  startRead(): void {
    if (this.statusSent) return;
    if (this.queued > 0) {
      this.listener!.onReceiveMessage(this.queue!.shift());
      return;
    }
    if (this.inputEnded) {
      this.halfClose();
      return;
    }
    this.readsWanted++;
    if (this.paused) {
      this.paused = false;
      this.resumeInput();
    }
  }

  private halfClose(): void {
    if (this.halfCloseSent) return;
    this.halfCloseSent = true;
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
    if (!this.inputEnded && this.paused) {
      this.paused = false;
      this.resumeInput();
    }
  }
}
