/*
 * gRPC metadata on HTTP/2 headers (PROTOCOL-HTTP2.md "Custom-Metadata"): ASCII values as they are,
 * keys ending in `-bin` base64-encoded (padded or not; several values joined with ","). The
 * headers the protocol itself uses (pseudo-headers, content-type, te, grpc-timeout, grpc-encoding,
 * grpc-accept-encoding, …) are not metadata and are never shown to a handler.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/** Request headers that belong to the protocol, not to the application. */
const RESERVED_REQUEST = new Set([
  "content-type",
  "te",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "accept-encoding",
  "content-length",
  "connection",
  "host",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "proxy-connection",
]);

/**
 * Response header key a handler sets to choose its call's response compression (`gzip`,
 * `deflate`, or `identity` to turn the server's default off), the key grpc-js uses. Never sent.
 */
export const ENCODING_REQUEST_KEY = "grpc-internal-encoding-request";

/**
 * Keys a handler may not set on response headers or trailers (the transport owns them).
 * `grpc-status-details-bin` is allowed: rich error details travel in the trailer metadata.
 */
const RESERVED_RESPONSE = new Set([
  "content-type",
  "te",
  "grpc-status",
  "grpc-message",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-timeout",
  "content-length",
  "connection",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  ENCODING_REQUEST_KEY,
]);

const VALID_KEY = /^[0-9a-z_.-]+$/;
const VALID_ASCII_VALUE = /^[\x20-\x7e]*$/;

export type MetadataValue = string | Buffer;

function isMetadataKey(key: string): boolean {
  return key.charCodeAt(0) !== 58 /* ":" */ && !RESERVED_REQUEST.has(key);
}

function values(key: string, raw: string | string[]): MetadataValue[] {
  const list = typeof raw === "string" ? [raw] : raw;
  if (!key.endsWith("-bin")) return list;
  const out: MetadataValue[] = [];
  for (const value of list) for (const part of value.split(",")) out.push(Buffer.from(part.trim(), "base64"));
  return out;
}

/**
 * Request metadata, read from Node's header object on demand: a lookup reads one header, and
 * the full map (every value of every key, in arrival order) is built only when something lists it.
 */
export class RequestMetadata {
  private map: Map<string, MetadataValue[]> | undefined = undefined;

  constructor(
    private headers: IncomingHttpHeaders = {},
    /** An upper bound of `byteSize()`, from the raw header list (`Infinity`: not known). */
    private readonly sizeBound = Infinity,
  ) {}

  /** Metadata of a request, from Node's header object. */
  static fromHeaders(headers: IncomingHttpHeaders): RequestMetadata {
    return new RequestMetadata(headers);
  }

  /**
   * The same metadata holding only its entries, not Node's whole header object (pseudo-headers
   * and reserved headers in a dictionary-mode object of about 450 bytes): for a call that may stay
   * open for long. Every request without metadata shares one empty instance. A request with a
   * `__proto__` header (which a plain object cannot hold as an own key) keeps Node's object.
   */
  compacted(): RequestMetadata {
    const kept: IncomingHttpHeaders = {};
    let any = false;
    for (const key in this.headers) {
      const raw = this.headers[key];
      if (raw === undefined || !isMetadataKey(key)) continue;
      if (key === "__proto__") return this;
      kept[key] = raw;
      any = true;
    }
    if (!any) return NO_METADATA;
    this.headers = kept;
    return this;
  }

  /** Every key with its values. */
  get entries(): Map<string, MetadataValue[]> {
    if (this.map === undefined) {
      this.map = new Map();
      for (const key in this.headers) {
        const raw = this.headers[key];
        if (raw !== undefined && isMetadataKey(key)) this.map.set(key, values(key, raw));
      }
    }
    return this.map;
  }

  /** Every value of `key` (empty when absent). */
  get(key: string): MetadataValue[] {
    if (this.map !== undefined) return this.map.get(key) ?? [];
    const raw = this.headers[key];
    return raw === undefined || !isMetadataKey(key) ? [] : values(key, raw);
  }

  /** The first value of each key (grpc-js's `getMap()` shape). */
  getMap(): Record<string, MetadataValue> {
    const out: Record<string, MetadataValue> = {};
    for (const [key, list] of this.entries) if (list.length > 0) out[key] = list[0]!;
    return out;
  }

  /** Whether `byteSize()` is at most `max`; counted only when the raw header list is larger. */
  within(max: number): boolean {
    return this.sizeBound <= max || this.byteSize() <= max;
  }

  /**
   * Size of the metadata as HTTP/2 counts it (name + value + 32 per entry; `-bin` values as
   * sent, base64), without building the map.
   */
  byteSize(): number {
    let n = 0;
    for (const key in this.headers) {
      const raw = this.headers[key];
      if (raw === undefined || !isMetadataKey(key)) continue;
      if (typeof raw === "string") n += key.length + raw.length + 32;
      else for (const v of raw) n += key.length + v.length + 32;
    }
    return n;
  }
}

/** The compacted metadata of every request without metadata. */
const NO_METADATA = new RequestMetadata(Object.freeze({}));

/**
 * Size of a raw header list (`[name, value, name, value, …]`, as Node's 'stream' event gives it) as
 * HTTP/2 counts it: a bound of the metadata's size found without walking Node's header object (a
 * dictionary-mode object, slow to enumerate).
 */
export function rawHeaderListBytes(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) n += raw[i]!.length + (i % 2 === 0 ? 32 : 0);
  return n;
}

/**
 * Adds `entries` (nice-grpc metadata or plain pairs) to outgoing `headers`. Reserved keys, keys
 * that are not valid header names and ASCII values with characters HTTP/2 cannot carry are
 * dropped (Node would otherwise throw in the middle of the response) and reported via `onDrop`.
 * Returns the value of {@link ENCODING_REQUEST_KEY} when the entries set it.
 */
export function addMetadataHeaders(
  headers: OutgoingHttpHeaders,
  entries: Iterable<[string, readonly (string | Uint8Array)[]]>,
  onDrop?: (key: string) => void,
): string | undefined {
  let encodingRequest: string | undefined;
  for (const [rawKey, values] of entries) {
    const key = rawKey.toLowerCase();
    if (RESERVED_RESPONSE.has(key) || !VALID_KEY.test(key)) {
      if (key === ENCODING_REQUEST_KEY && typeof values[0] === "string") encodingRequest = values[0];
      else onDrop?.(key);
      continue;
    }
    const binary = key.endsWith("-bin");
    const out: string[] = [];
    for (const value of values) {
      if (binary) {
        const bytes = typeof value === "string" ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        out.push(bytes.toString("base64"));
      } else {
        const text = typeof value === "string" ? value : Buffer.from(value).toString("latin1");
        if (!VALID_ASCII_VALUE.test(text)) {
          onDrop?.(key);
          continue;
        }
        out.push(text);
      }
    }
    if (out.length === 0) continue;
    const previous = headers[key];
    if (previous === undefined) headers[key] = out.length === 1 ? out[0] : out;
    else headers[key] = [...(Array.isArray(previous) ? previous : [String(previous)]), ...out];
  }
  return encodingRequest;
}
