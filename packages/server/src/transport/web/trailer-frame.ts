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

/**
 * `grpc-message` per PROTOCOL-HTTP2: the UTF-8 bytes, with `%` and everything outside printable
 * ASCII percent-encoded.
 */
export function percentEncodeMessage(message: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Lines of the trailer block: status first, then message (when not empty), then metadata. */
export function trailerPairs(code: number, message: string, metadata?: Metadata): Array<[string, string]> {
  const pairs: Array<[string, string]> = [["grpc-status", String(code)]];
  if (message !== "") pairs.push(["grpc-message", percentEncodeMessage(message)]);
  const details = metadata?.get("grpc-status-details-bin");
  if (details instanceof Uint8Array) {
    pairs.push(["grpc-status-details-bin", Buffer.from(details.buffer, details.byteOffset, details.byteLength).toString("base64")]);
  }
  pairs.push(...metadataToPairs(metadata));
  return pairs;
}

/** The complete trailer frame, ready to write (or to base64-encode in text mode). */
export function encodeTrailerFrame(code: number, message: string, metadata?: Metadata): Uint8Array {
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
      message = percentDecode(value);
    } else if (key.endsWith("-bin")) {
      for (const item of value.split(",")) metadata.append(key, Buffer.from(item.trim(), "base64"));
    } else {
      metadata.append(key, value);
    }
  }
  if (code === undefined) throw new TrailerFrameError("trailer frame without grpc-status");
  return { code, message, metadata };
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: the spec says to use the message as sent.
    return value;
  }
}
