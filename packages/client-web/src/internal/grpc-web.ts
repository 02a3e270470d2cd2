// The gRPC-Web wire format (grpc/grpc doc/PROTOCOL-WEB.md, binary mode `application/grpc-web+proto`):
// length-prefixed frames (a flag byte, a 4-byte big-endian length, the payload), the last one a
// trailer frame (flag 0x80) whose payload is an HTTP/1 header block; `-bin` metadata in base64;
// and the gRPC code of an HTTP response that carries no grpc-status (doc/http-grpc-status-mapping.md).
import { Metadata, Status } from "@org/client-core";

/** Flag bit of a trailer frame. */
const TRAILER = 0x80;
/** Flag bit of a compressed message (we never ask for compression). */
const COMPRESSED = 0x01;

/** The request body: one uncompressed message frame. */
export function encodeFrame(message: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, 5);
  return frame;
}

/** A frame of the response body: a message, or the trailers. */
export type Frame = { trailer: false; data: Uint8Array } | { trailer: true; data: Metadata };

/** A malformed response body: the call fails with INTERNAL and this message. */
export class ProtocolError extends Error {}

/**
 * Splits a response body into frames, whatever the chunk boundaries: `push` each chunk as it comes
 * and take the frames it completes; `end` when the body is done, which refuses a partial frame.
 */
export class FrameReader {
  private buffer: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Frame[] {
    let buffer = chunk;
    if (this.buffer.length > 0) {
      buffer = new Uint8Array(this.buffer.length + chunk.length);
      buffer.set(this.buffer);
      buffer.set(chunk, this.buffer.length);
    }
    const frames: Frame[] = [];
    let at = 0;
    while (buffer.length - at >= 5) {
      const flags = buffer[at] as number;
      const length = new DataView(buffer.buffer, buffer.byteOffset + at + 1, 4).getUint32(0);
      if (buffer.length - at - 5 < length) break;
      const payload = buffer.slice(at + 5, at + 5 + length);
      at += 5 + length;
      if (flags & TRAILER) frames.push({ trailer: true, data: parseHeaderBlock(payload) });
      else if (flags & COMPRESSED) throw new ProtocolError("Received a compressed message, but no compression was negotiated");
      else frames.push({ trailer: false, data: payload });
    }
    this.buffer = buffer.subarray(at);
    return frames;
  }

  end(): void {
    if (this.buffer.length > 0) {
      throw new ProtocolError(`Response body ended inside a frame (${this.buffer.length} bytes of an incomplete frame)`);
    }
  }
}

/** Parses the trailer frame's payload: `key: value` lines separated by CRLF. */
export function parseHeaderBlock(bytes: Uint8Array): Metadata {
  const metadata = Metadata();
  for (const line of new TextDecoder().decode(bytes).split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new ProtocolError(`Malformed trailer line: ${line.slice(0, 100)}`);
    appendValue(metadata, line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return metadata;
}

/** Response headers as metadata (`-bin` values decoded). */
export function headersToMetadata(headers: Headers): Metadata {
  const metadata = Metadata();
  headers.forEach((value, key) => {
    appendValue(metadata, key, value);
  });
  return metadata;
}

/** Request metadata as fetch headers (`-bin` values in base64). */
export function metadataToHeaders(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [key, values] of metadata) {
    for (const value of values) headers.append(key, typeof value === "string" ? value : toBase64(value));
  }
  return headers;
}

function appendValue(metadata: Metadata, key: string, value: string): void {
  if (!key.endsWith("-bin")) {
    metadata.append(key, value);
    return;
  }
  // Several binary values arrive joined with commas (headers) or as one value per line (trailers).
  for (const item of value.split(",")) {
    try {
      metadata.append(key, fromBase64(item.trim()));
    } catch {
      throw new ProtocolError(`Metadata ${key} is not base64`);
    }
  }
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Decodes standard base64, padded or not (gRPC allows both). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The status of a response with no grpc-status, by HTTP status (http-grpc-status-mapping.md). */
const STATUS_OF_HTTP: Record<number, Status> = {
  400: Status.INTERNAL,
  401: Status.UNAUTHENTICATED,
  403: Status.PERMISSION_DENIED,
  404: Status.UNIMPLEMENTED,
  429: Status.UNAVAILABLE,
  502: Status.UNAVAILABLE,
  503: Status.UNAVAILABLE,
  504: Status.UNAVAILABLE,
};

/** The status of a response with no grpc-status, from its HTTP status; UNKNOWN for any other. */
export function statusFromHttp(httpStatus: number): Status {
  return STATUS_OF_HTTP[httpStatus] ?? Status.UNKNOWN;
}

/**
 * The status and message of trailers (or of a trailers-only response's headers): `grpc-status`
 * must be a known code; `grpc-message` is percent-decoded, kept as sent when it is not valid
 * percent-encoding. The returned metadata is the rest of the trailers.
 */
export function readStatus(trailers: Metadata): { code: Status; message: string; trailers: Metadata } {
  const raw = trailers.get("grpc-status");
  const code = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || Status[code] === undefined) {
    throw new ProtocolError(raw === undefined ? "Received trailers without grpc-status" : `Received an invalid grpc-status: ${raw}`);
  }
  let message = trailers.get("grpc-message") ?? "";
  try {
    message = decodeURIComponent(message);
  } catch {
    // not percent-encoded: keep it as it came
  }
  const rest = Metadata(trailers);
  rest.delete("grpc-status");
  rest.delete("grpc-message");
  return { code, message, trailers: rest };
}
