/*
 * gRPC-Web content types (grpc/grpc doc/PROTOCOL-WEB.md): `application/grpc-web[+proto]` carries
 * length-prefixed frames as bytes, `application/grpc-web-text[+proto]` carries them base64-encoded.
 * This server speaks protobuf only, so another codec (`+json`, `+thrift`) is refused with a reason
 * instead of being fed to the protobuf decoder.
 */

/** A gRPC-Web request this server can serve, and how to answer it. */
export interface WebContentType {
  /** The request body is base64 text (`application/grpc-web-text`). */
  readonly requestText: boolean;
  /** The response body must be base64 text. */
  readonly responseText: boolean;
  /** The `content-type` to answer with. */
  readonly responseContentType: string;
}

export type WebContentTypeResult =
  | ({ readonly kind: "web" } & WebContentType)
  /** A gRPC-Web content type with a codec this server does not speak: answer HTTP 415 with `reason`. */
  | { readonly kind: "unsupported"; readonly reason: string }
  /** Not gRPC-Web at all (native gRPC, a browser's GET, a missing header). */
  | { readonly kind: "other" };

const BINARY = "application/grpc-web";
const TEXT = "application/grpc-web-text";
const TEXT_PROTO = `${TEXT}+proto`;

/** The media type without parameters, lowercased: `Application/GRPC-Web+proto; charset=x` → `application/grpc-web+proto`. */
function mediaType(value: string): string {
  const semicolon = value.indexOf(";");
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Whether an `Accept` header asks for a text-encoded response (PROTOCOL-WEB: "Accept:
 * application/grpc-web-text"), as XHR-based clients do even when they send binary.
 */
function acceptsText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const item of accept.split(",")) {
    const type = mediaType(item);
    if (type === TEXT || type === TEXT_PROTO) return true;
  }
  return false;
}

/**
 * Classify a request by its `content-type` (and `accept`, which may ask for a text response).
 * The response echoes the request's media type when both directions use the same encoding.
 */
export function parseWebContentType(contentType: string | undefined, accept?: string): WebContentTypeResult {
  if (contentType === undefined) return { kind: "other" };
  const type = mediaType(contentType);
  let requestText: boolean;
  let codec: string;
  if (type.startsWith(TEXT)) {
    requestText = true;
    codec = type.slice(TEXT.length);
  } else if (type.startsWith(BINARY)) {
    requestText = false;
    codec = type.slice(BINARY.length);
  } else {
    return { kind: "other" };
  }
  if (codec !== "" && codec !== "+proto") {
    if (!codec.startsWith("+")) return { kind: "other" };
    return {
      kind: "unsupported",
      reason: `content-type "${type}" asks for the ${codec.slice(1)} codec; this server speaks protobuf only (application/grpc-web+proto or application/grpc-web-text+proto)`,
    };
  }
  const responseText = requestText || acceptsText(accept);
  // Only a binary request can get a text answer (through Accept), never the other way round.
  const responseContentType = responseText === requestText ? type : TEXT_PROTO;
  return { kind: "web", requestText, responseText, responseContentType };
}
