/* Packs error details into google.protobuf.Any, as nice-grpc-error-details' server middleware does. */
import {
  Any,
  BadRequest,
  DebugInfo,
  type ErrorDetails,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from "nice-grpc-error-details";

interface Encodable {
  readonly $type: string;
  encode(message: any): { finish(): Uint8Array };
}

const known = new Map<string, Encodable>(
  [RetryInfo, DebugInfo, QuotaFailure, ErrorInfo, PreconditionFailure, BadRequest, RequestInfo, ResourceInfo, Help, LocalizedMessage].map(
    (type) => [type.$type, type as Encodable],
  ),
);

export function encodeErrorDetails(details: readonly ErrorDetails[]): Any[] {
  const out: Any[] = [];
  for (const detail of details) {
    if (detail.$type === Any.$type) {
      out.push(detail as Any);
      continue;
    }
    const type = known.get(detail.$type);
    if (type === undefined) continue; // unknown detail types are dropped rather than failing the reply
    out.push(Any.fromPartial({ typeUrl: `type.googleapis.com/${detail.$type}`, value: type.encode(detail).finish() }));
  }
  return out;
}
