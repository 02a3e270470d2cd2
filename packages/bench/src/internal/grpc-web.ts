// gRPC-Web (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md) as the benchmark sees
// it: the response body is length-prefixed frames, the last one flagged 0x80 and holding the
// trailers as HTTP/1-style header lines. Pure; unit-tested.

export interface GrpcWebBody {
  messages: Buffer[];
  /** Trailers of the trailer frame, lower-cased names; undefined when there is none. */
  trailers: Record<string, string> | undefined;
}

/** Splits a whole gRPC-Web response body; throws on a truncated frame or data after the trailers. */
export function parseGrpcWebBody(body: Buffer): GrpcWebBody {
  const messages: Buffer[] = [];
  let trailers: Record<string, string> | undefined;
  let offset = 0;
  while (offset < body.length) {
    if (trailers !== undefined) throw new Error("data after the trailer frame");
    if (body.length - offset < 5) throw new Error("truncated frame header");
    const flags = body[offset]!;
    const length = body.readUInt32BE(offset + 1);
    if (body.length - offset - 5 < length) throw new Error("truncated frame");
    const payload = body.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if ((flags & 0x80) === 0) {
      messages.push(payload);
      continue;
    }
    trailers = {};
    for (const line of payload.toString("latin1").split("\r\n")) {
      if (line === "") continue;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`malformed trailer line "${line}"`);
      trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return { messages, trailers };
}
