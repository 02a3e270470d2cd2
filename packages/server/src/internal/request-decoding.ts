/*
 * Request decoding that fails with a clear status. grpc-js answers a request it cannot decode with
 * INTERNAL "Error deserializing request" — a server-bug code for a client's mistake — and
 * @bufbuild/protobuf replaces invalid UTF-8 in string fields with U+FFFD, so such a request would
 * be accepted and its mangled text stored. Here every added service decodes strictly (proto3
 * requires valid UTF-8), and a deserializer never throws: it returns a `MalformedRequest`, which
 * the call-control interceptor answers with INVALID_ARGUMENT before any handler sees it.
 */
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { isTsProtoDefinition } from "@org/api/service-definition";
import type { CompatServiceDefinition } from "nice-grpc";

/** Stands in for a request message that could not be decoded. */
export class MalformedRequest {
  constructor(readonly details: string) {}
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const strictUtf8 = (bytes: Uint8Array): string => fatalUtf8.decode(bytes);

function reason(err: unknown): string {
  if ((err as { code?: unknown } | null)?.code === "ERR_ENCODING_INVALID_ENCODED_DATA") return "a string field is not valid UTF-8";
  // The decoder's own messages ("premature EOF", "cant skip wire type 7", …) describe the bytes
  // the client sent; anything else is summarised.
  const message = err instanceof Error ? err.message : "";
  return message === "" ? "undecodable bytes" : message.slice(0, 120);
}

function malformed(err: unknown): MalformedRequest {
  return new MalformedRequest(`malformed request message: ${reason(err)}`);
}

type Decode = (input: BinaryReader | Uint8Array, length?: number) => unknown;

/** A ts-proto `decode` that reads strings strictly and returns MalformedRequest instead of throwing. */
function strictTsProtoDecode(decode: Decode): (bytes: Uint8Array) => unknown {
  // ts-proto code reuses a BinaryReader only if it is the same class (`instanceof`); with another
  // copy of @bufbuild/protobuf it would misread ours, so fall back to the default reader then.
  let sameReader = true;
  try {
    decode(new BinaryReader(new Uint8Array(0), strictUtf8));
  } catch {
    sameReader = false;
  }
  return sameReader
    ? (bytes) => {
        try {
          return decode(new BinaryReader(bytes, strictUtf8));
        } catch (err) {
          return malformed(err);
        }
      }
    : (bytes) => {
        try {
          return decode(bytes);
        } catch (err) {
          return malformed(err);
        }
      };
}

function nonThrowing(deserialize: (bytes: Buffer) => unknown): (bytes: Buffer) => unknown {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (err) {
      return malformed(err);
    }
  };
}

/**
 * The same service definition with request deserializers that decode strictly and never throw.
 * Handles ts-proto definitions (`{ fullName, methods }`) and method maps with
 * `requestDeserialize` (grpc-js and nice-grpc shapes); anything else is returned as it is.
 */
export function withStrictDecoding<D extends CompatServiceDefinition>(definition: D): D {
  const def = definition as unknown as Record<string, unknown>;
  if (isTsProtoDefinition(def)) {
    const methods: Record<string, unknown> = {};
    for (const [key, method] of Object.entries(def.methods as Record<string, { requestType?: { decode?: Decode } }>)) {
      const decode = method.requestType?.decode;
      methods[key] =
        typeof decode === "function"
          ? { ...method, requestType: { ...method.requestType, decode: strictTsProtoDecode(decode.bind(method.requestType)) } }
          : method;
    }
    return { ...def, methods } as unknown as D;
  }
  const out: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(def)) {
    const m = method as { requestDeserialize?: unknown } | null;
    out[key] =
      typeof m === "object" && m !== null && typeof m.requestDeserialize === "function"
        ? { ...m, requestDeserialize: nonThrowing(m.requestDeserialize as (bytes: Buffer) => unknown) }
        : method;
  }
  return out as D;
}
