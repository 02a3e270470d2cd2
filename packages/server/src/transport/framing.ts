/*
 * gRPC length-prefixed messages (PROTOCOL-HTTP2.md "Length-Prefixed-Message"): a 1-byte compressed
 * flag, a 4-byte big-endian length, then the message. HTTP/2 DATA frames split and join messages
 * freely, so the decoder keeps what it has of an unfinished message between chunks.
 */

/** Size of the prefix before every message. */
export const PREFIX_BYTES = 5;

/** Receives each complete message; `compressed` is the message's flag. An object, so a call can be its own sink. */
export interface MessageSink {
  onFrame(body: Buffer, compressed: boolean): void;
}

/** Why a stream of frames cannot be decoded further. */
export interface FramingError {
  readonly kind: "too-large" | "bad-flag";
  /** Declared length of the message that was refused (`too-large`). */
  readonly length: number;
}

/**
 * Splits a byte stream into messages. One instance per request stream; `push` every DATA chunk in
 * order. After an error the decoder refuses everything else (the call is over).
 */
export class MessageDecoder {
  /** A prefix split across chunks (allocated only then: most prefixes arrive whole). */
  private header: Buffer | undefined = undefined;
  private headerFill = 0;
  private body: Buffer | undefined = undefined;
  private bodyFill = 0;
  private compressed = false;
  private failed = false;

  /** @param maxLength largest message length accepted, bytes (`-1`: no limit). */
  constructor(private readonly maxLength: number) {}

  /** True while a message has started but not finished: a stream ending now is truncated. */
  get partial(): boolean {
    return this.headerFill > 0 || this.body !== undefined;
  }

  /** Feeds one chunk; calls `sink` for every message it completes. */
  push(chunk: Buffer, sink: MessageSink): FramingError | undefined {
    if (this.failed) return undefined;
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.body === undefined) {
        // Fast path: a whole prefix in this chunk.
        let flag: number;
        let length: number;
        if (this.headerFill === 0 && end - offset >= PREFIX_BYTES) {
          flag = chunk[offset]!;
          length = chunk.readUInt32BE(offset + 1);
          offset += PREFIX_BYTES;
        } else {
          const header = (this.header ??= Buffer.allocUnsafe(PREFIX_BYTES));
          const n = Math.min(PREFIX_BYTES - this.headerFill, end - offset);
          chunk.copy(header, this.headerFill, offset, offset + n);
          this.headerFill += n;
          offset += n;
          if (this.headerFill < PREFIX_BYTES) return undefined;
          flag = header[0]!;
          length = header.readUInt32BE(1);
          this.headerFill = 0;
        }
        if (flag > 1) {
          this.failed = true;
          return { kind: "bad-flag", length };
        }
        if (this.maxLength >= 0 && length > this.maxLength) {
          this.failed = true;
          return { kind: "too-large", length };
        }
        const compressed = flag === 1;
        if (end - offset >= length) {
          // The whole message is in this chunk: a view, no copy.
          sink.onFrame(chunk.subarray(offset, offset + length), compressed);
          offset += length;
          continue;
        }
        this.compressed = compressed;
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
      const body = this.body;
      const n = Math.min(body.length - this.bodyFill, end - offset);
      chunk.copy(body, this.bodyFill, offset, offset + n);
      this.bodyFill += n;
      offset += n;
      if (this.bodyFill === body.length) {
        this.body = undefined;
        sink.onFrame(body, this.compressed);
      }
    }
    return undefined;
  }
}

/** One message with its prefix, in a single buffer (one DATA write). */
export function encodeMessage(body: Uint8Array, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + body.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, PREFIX_BYTES);
  return out;
}
