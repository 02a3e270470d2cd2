/*
 * Message compression (grpc/grpc doc/compression.md): a message whose flag is set is compressed
 * with the call's `grpc-encoding`. Supported: identity, gzip, deflate (zlib format). The receive
 * limit applies to the decompressed size, and inflating stops as soon as it is passed
 * (`maxOutputLength`), so a small zip bomb costs at most the limit, never its full size.
 */
import { kMaxLength } from "node:buffer";
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";

export type Encoding = "identity" | "gzip" | "deflate";

/** Encodings this server decodes and may answer with, in `grpc-accept-encoding` order. */
export const SUPPORTED_ENCODINGS: readonly Encoding[] = ["identity", "deflate", "gzip"];
/** The `grpc-accept-encoding` value the server advertises. */
export const ACCEPT_ENCODING = SUPPORTED_ENCODINGS.join(",");

/** The request's `grpc-encoding`, or `undefined` if this server cannot decode it. */
export function requestEncoding(header: string | undefined): Encoding | undefined {
  if (header === undefined || header === "identity") return "identity";
  if (header === "gzip" || header === "deflate") return header;
  return undefined;
}

export function unsupportedEncodingMessage(header: string): string {
  return `grpc-encoding ${JSON.stringify(header.slice(0, 40))} is not supported; supported: ${ACCEPT_ENCODING}`;
}

/**
 * The encoding for responses: `wanted` if the client listed it in `grpc-accept-encoding`,
 * otherwise identity.
 */
export function responseEncoding(acceptHeader: string | undefined, wanted: Encoding | undefined): Encoding {
  if (wanted === undefined || wanted === "identity" || acceptHeader === undefined) return "identity";
  for (const part of acceptHeader.split(",")) if (part.trim() === wanted) return wanted;
  return "identity";
}

export type InflateResult = { ok: true; body: Buffer } | { ok: false; tooLarge: boolean; message: string };

/**
 * Decompresses one message. `maxLength` is the largest decompressed size accepted (`-1`: none).
 * Synchronous, so messages stay in order without a queue; the work is bounded by `maxLength`.
 */
export function decompress(encoding: Encoding, body: Buffer, maxLength: number): InflateResult {
  if (encoding === "identity") {
    // A compressed flag with no encoding to undo (compression.md: INTERNAL).
    return { ok: false, tooLarge: false, message: "compressed message flag set but the request has no grpc-encoding" };
  }
  const options = maxLength >= 0 ? { maxOutputLength: Math.max(1, Math.min(maxLength + 1, kMaxLength)) } : {};
  const tooLarge = {
    ok: false,
    tooLarge: true,
    message: `decompressed message larger than the server's limit of ${maxLength} bytes`,
  } as const;
  try {
    const out = encoding === "gzip" ? gunzipSync(body, options) : inflateSync(body, options);
    return maxLength >= 0 && out.length > maxLength ? tooLarge : { ok: true, body: out };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return tooLarge;
    return { ok: false, tooLarge: false, message: `could not decompress the ${encoding} message` };
  }
}

/** Compresses one message (synchronously, keeping response order; only when compression is on). */
export function compress(encoding: Exclude<Encoding, "identity">, body: Uint8Array): Buffer {
  return encoding === "gzip" ? gzipSync(body) : deflateSync(body);
}
