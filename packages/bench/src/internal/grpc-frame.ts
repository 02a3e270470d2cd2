// gRPC length-prefixed message framing (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
// 1 byte compressed flag, 4 bytes big-endian length, then the message.

/** Frames one uncompressed message as it travels in a gRPC HTTP/2 DATA stream. */
export function frameGrpcMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** `count` copies of one framed message back to back: a chunk for a streaming writer. */
export function repeatFrames(framed: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(framed.length * count);
  for (let i = 0; i < count; i++) out.set(framed, i * framed.length);
  return out;
}

/**
 * Splits a buffer of concatenated gRPC frames into messages.
 * Returns the complete messages and the unconsumed tail (a partial frame).
 */
export function splitGrpcFrames(data: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (data.length - offset >= 5) {
    if (data[offset] !== 0) throw new Error("compressed gRPC frames are not supported");
    const length = data.readUInt32BE(offset + 1);
    if (data.length - offset - 5 < length) break;
    messages.push(data.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return { messages, rest: data.subarray(offset) };
}

/**
 * Counts the gRPC messages of a DATA stream as chunks arrive, however the chunks split frames,
 * without copying message bytes (the streaming load generator must stay cheap).
 */
export class GrpcFrameCounter {
  /** Complete messages seen. */
  messages = 0;
  /** Header bytes of the current frame seen so far (0–5). */
  private headerSeen = 0;
  private readonly header = new Uint8Array(5);
  /** Message bytes still to skip in the current frame. */
  private remaining = 0;

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.headerSeen < 5) {
        this.header[this.headerSeen++] = chunk[i++]!;
        if (this.headerSeen === 5) {
          if (this.header[0] !== 0) throw new Error("compressed gRPC frames are not supported");
          this.remaining = ((this.header[1]! << 24) >>> 0) + (this.header[2]! << 16) + (this.header[3]! << 8) + this.header[4]!;
          if (this.remaining === 0) this.frameDone();
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) this.frameDone();
    }
  }

  /** True when the stream ended on a frame boundary. */
  get atBoundary(): boolean {
    return this.headerSeen === 0;
  }

  private frameDone(): void {
    this.messages++;
    this.headerSeen = 0;
  }
}
