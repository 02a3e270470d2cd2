/*
 * The gRPC-Web trailer frame (PROTOCOL-WEB "Message framing"): the status and trailing metadata
 * travel in the body as the last length-prefixed frame, flag byte 0x80, payload an HTTP/1 header
 * block without the terminating blank line (`grpc-status: 0\r\ngrpc-message: ...\r\n`).
 *
 * `-bin` values are base64 in both binary and text mode. PROTOCOL-WEB says the extra base64 may be
 * skipped in text mode, but no client relies on that and the ones in use (nice-grpc-web, grpc-web,
 * connect-es, Envoy's filter) all expect base64, so that is what we send.
 */
import { Metadata } from "nice-grpc-common";
import { decodeGrpcMessage, encodeGrpcMessage } from "../status.js";
import type { MetadataEntries } from "./call-io.js";
import { metadataToPairs } from "./wire-metadata.js";

/** Flag byte of a trailer frame (the MSB of the frame's first byte; 0x81 would be a compressed one). */
export const TRAILER_FLAG = 0x80;
const HEADER_BYTES = 5;

/** The status and trailers a trailer frame carries. */
export interface WebTrailers {
  readonly code: number;
  readonly message: string;
  /** Trailing metadata other than `grpc-status` and `grpc-message`. */
  readonly metadata: Metadata;
}

/** Lines of the trailer block: status first, then message (when not empty), then metadata. */
export function trailerPairs(code: number, message: string, metadata?: MetadataEntries | null): Array<[string, string]> {
  const pairs: Array<[string, string]> = [["grpc-status", String(code)]];
  if (message !== "") pairs.push(["grpc-message", encodeGrpcMessage(message)]);
  if (metadata == null) return pairs;
  for (const [key, values] of metadata) {
    if (key.toLowerCase() !== "grpc-status-details-bin") continue;
    const details = values[values.length - 1];
    if (details instanceof Uint8Array) {
      pairs.push(["grpc-status-details-bin", Buffer.from(details.buffer, details.byteOffset, details.byteLength).toString("base64")]);
    }
  }
  pairs.push(...metadataToPairs(metadata));
  return pairs;
}

/** The complete trailer frame, ready to write (or to base64-encode in text mode). */
export function encodeTrailerFrame(code: number, message: string, metadata?: MetadataEntries | null): Uint8Array {
  let block = "";
  for (const [key, value] of trailerPairs(code, message, metadata)) block += `${key}: ${value}\r\n`;
  const length = Buffer.byteLength(block, "latin1");
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame[0] = TRAILER_FLAG;
  frame.writeUInt32BE(length, 1);
  frame.write(block, HEADER_BYTES, "latin1");
  return frame;
}

/** A frame that is not a well-formed trailer frame. */
export class TrailerFrameError extends Error {
  override readonly name = "TrailerFrameError";
}

/**
 * Parse one complete trailer frame (5-byte prefix included). Keys are lowercased, `-bin` values
 * base64-decoded (comma-separated values split), `grpc-message` percent-decoded.
 */
export function decodeTrailerFrame(frame: Uint8Array): WebTrailers {
  if (frame.length < HEADER_BYTES) throw new TrailerFrameError("frame shorter than its 5-byte prefix");
  const flags = frame[0] as number;
  if ((flags & TRAILER_FLAG) === 0) throw new TrailerFrameError("not a trailer frame (flag 0x80 unset)");
  if ((flags & 0x01) !== 0) throw new TrailerFrameError("compressed trailer frames are not supported");
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = view.getUint32(1);
  if (frame.length !== HEADER_BYTES + length) {
    throw new TrailerFrameError(`frame says ${length} bytes but holds ${frame.length - HEADER_BYTES}`);
  }
  const block = Buffer.from(frame.buffer, frame.byteOffset + HEADER_BYTES, length).toString("latin1");
  let code: number | undefined;
  let message = "";
  const metadata = new Metadata();
  for (const line of block.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TrailerFrameError(`malformed trailer line "${line}"`);
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "grpc-status") {
      if (!/^\d+$/.test(value)) throw new TrailerFrameError(`grpc-status "${value}" is not a number`);
      code = Number(value);
    } else if (key === "grpc-message") {
      message = decodeGrpcMessage(value);
    } else if (key.endsWith("-bin")) {
      for (const item of value.split(",")) metadata.append(key, Buffer.from(item.trim(), "base64"));
    } else {
      metadata.append(key, value);
    }
  }
  if (code === undefined) throw new TrailerFrameError("trailer frame without grpc-status");
  return { code, message, metadata };
}

/**
 * Split a whole gRPC-Web response body (binary) into its message payloads and its trailer frame,
 * for tests and clients that read the body themselves.
 */
export function splitWebResponse(body: Uint8Array): { messages: Buffer[]; trailers: WebTrailers | undefined } {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const messages: Buffer[] = [];
  let trailers: WebTrailers | undefined;
  let offset = 0;
  while (offset + HEADER_BYTES <= buffer.length) {
    const end = offset + HEADER_BYTES + buffer.readUInt32BE(offset + 1);
    const whole = buffer.subarray(offset, end);
    if (((whole[0] as number) & TRAILER_FLAG) !== 0) trailers = decodeTrailerFrame(whole);
    else messages.push(whole.subarray(HEADER_BYTES));
    offset = end;
  }
  return { messages, trailers };
}
