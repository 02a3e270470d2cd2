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
