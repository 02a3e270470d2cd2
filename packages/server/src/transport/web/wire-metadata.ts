/*
 * Metadata on a gRPC-Web exchange, both ways. Requests: HTTP headers (HTTP/1.1 or HTTP/2, Node
 * lowercases the names) become nice-grpc `Metadata` per the gRPC rules: `-bin` values are base64
 * (several may share one header, comma-separated), and headers that belong to the transport (HTTP
 * connection headers, content-type, grpc-timeout, grpc-encoding ...) are not metadata. Responses:
 * `Metadata` becomes `key: value` pairs for response headers and the trailer frame, with names and
 * values that cannot break an HTTP/1 header block (a value with CR/LF would forge headers).
 */
import { Metadata } from "nice-grpc-common";
import type { MetadataEntries } from "./call-io.js";

/** Headers of the HTTP exchange or the gRPC framing itself; never request or response metadata. */
const RESERVED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "host",
  "content-length",
  "content-type",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
]);

const KEY = /^[0-9a-z_.-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const BASE64_ITEM = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `key` is reserved for the transport (and so dropped from metadata both ways). */
export function isReservedHeader(key: string): boolean {
  return key.startsWith(":") || RESERVED.has(key);
}

/**
 * Request headers as metadata. A `-bin` value that is not base64 is a client bug; it is left out
 * rather than handed to the service half-decoded (gRPC drops malformed metadata the same way).
 */
export function metadataFromHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Metadata {
  const metadata = new Metadata();
  for (const [key, raw] of Object.entries(headers)) {
    if (raw === undefined || isReservedHeader(key)) continue;
    const values = typeof raw === "string" ? [raw] : raw;
    if (key.endsWith("-bin")) {
      for (const value of values) {
        for (const item of value.split(",")) {
          const trimmed = item.trim();
          if (BASE64_ITEM.test(trimmed)) metadata.append(key, Buffer.from(trimmed, "base64"));
        }
      }
    } else {
      for (const value of values) metadata.append(key, value);
    }
  }
  return metadata;
}

/**
 * Response metadata as header lines: lowercase names, `-bin` values base64-encoded. Entries that
 * cannot be sent safely (a reserved or malformed name, a non-printable ASCII value) are skipped.
 */
export function metadataToPairs(metadata: MetadataEntries | null | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (metadata == null) return pairs;
  for (const [rawKey, values] of metadata) {
    const key = rawKey.toLowerCase();
    if (!KEY.test(key) || isReservedHeader(key)) continue;
    for (const value of values) {
      if (typeof value === "string") {
        if (!key.endsWith("-bin") && PRINTABLE_ASCII.test(value)) pairs.push([key, value]);
      } else if (key.endsWith("-bin")) {
        pairs.push([key, Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")]);
      }
    }
  }
  return pairs;
}
