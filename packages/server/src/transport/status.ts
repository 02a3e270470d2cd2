/*
 * Ending a call (PROTOCOL-HTTP2.md "Responses"): `grpc-status`, a percent-encoded `grpc-message`
 * and `grpc-status-details-bin` in the trailers, or, for a call that fails before sending anything,
 * in the one HEADERS frame of a trailers-only response. Requests that are not gRPC at the HTTP
 * level (wrong method or content-type) get the HTTP status the spec names.
 */
import type { OutgoingHttpHeaders } from "node:http2";

export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/**
 * Percent-encodes a status message: UTF-8, then every byte outside printable ASCII (0x20-0x7E)
 * and `%` itself as `%XX`.
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte < 0x20 || byte > 0x7e || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(byte);
  }
  return out;
}

/** Reverses {@link encodeGrpcMessage}; malformed escapes are kept as they are. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Sets the status fields on `headers` (trailers, or the headers of a trailers-only response). */
export function setStatus(headers: OutgoingHttpHeaders, code: number, message: string, details?: Uint8Array): OutgoingHttpHeaders {
  headers["grpc-status"] = String(code);
  if (message !== "") headers["grpc-message"] = encodeGrpcMessage(message);
  if (details !== undefined && details.length > 0) {
    headers["grpc-status-details-bin"] = Buffer.from(details.buffer, details.byteOffset, details.byteLength).toString("base64");
  }
  return headers;
}

/**
 * The gRPC code a client derives from an HTTP status when a response carries no grpc-status
 * (PROTOCOL-HTTP2.md, "HTTP to gRPC Status Code Mapping").
 */
export function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** What to answer a request that is not a gRPC request at the HTTP level, or `undefined` if it is one. */
export function httpRefusal(method: string | undefined, contentType: string | undefined): { status: number; message: string } | undefined {
  if (method !== "POST") return { status: 405, message: `method ${method ?? "(none)"} not allowed: gRPC uses POST` };
  if (contentType === undefined || !isGrpcContentType(contentType)) {
    return { status: 415, message: `unsupported content-type ${JSON.stringify(contentType ?? "")}: expected application/grpc` };
  }
  return undefined;
}

/** `application/grpc`, optionally `+proto` or another subtype suffix, optionally with parameters. */
export function isGrpcContentType(value: string): boolean {
  if (!value.startsWith("application/grpc")) return false;
  const rest = value.charCodeAt(16);
  return Number.isNaN(rest) || rest === 0x2b /* + */ || rest === 0x3b /* ; */;
}
