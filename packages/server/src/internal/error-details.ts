/*
 * Packs error details into google.protobuf.Any, as nice-grpc-error-details' server middleware
 * does, within a size budget: default clients refuse response metadata over 8 KiB (grpcio), so a
 * detail listing too many violations keeps the first ones and says how many were left out.
 */

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
import { Status as RpcStatus } from "nice-grpc-error-details/lib/proto/google/rpc/status.js";

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

/**
 * Largest encoded `google.rpc.Status` sent in `grpc-status-details-bin`, bytes: base64 makes it
 * about 5.4 KiB, leaving room in grpcio's 8 KiB for grpc-message and the other metadata.
 */
export const MAX_STATUS_DETAILS_BYTES = 4096;

type ViolationList = { key: "fieldViolations" | "violations"; make(n: number): unknown };

/** The repeated field of a detail that can grow with the request, and how to say "N more". */
function violationList(detail: ErrorDetails): ViolationList | undefined {
  switch (detail.$type) {
    case BadRequest.$type:
      return { key: "fieldViolations", make: (n) => ({ field: "", description: `… and ${n} more` }) };
    case PreconditionFailure.$type:
      return { key: "violations", make: (n) => ({ type: "", subject: "", description: `… and ${n} more` }) };
    case QuotaFailure.$type:
      return { key: "violations", make: (n) => ({ subject: "", description: `… and ${n} more` }) };
    default:
      return undefined;
  }
}

function truncated(details: readonly ErrorDetails[], keep: number): ErrorDetails[] {
  return details.map((detail) => {
    const list = violationList(detail);
    if (list === undefined) return detail;
    const all = (detail as unknown as Record<string, unknown[]>)[list.key] ?? [];
    if (all.length <= keep) return detail;
    return { ...detail, [list.key]: [...all.slice(0, keep), list.make(all.length - keep)] } as ErrorDetails;
  });
}

/**
 * The encoded `google.rpc.Status` for `grpc-status-details-bin`, at most `budget` bytes: when the
 * details are larger, their violation lists keep as many entries as fit, plus a last entry
 * "… and N more". Details that still do not fit are left out.
 */
export function encodeStatusDetails(
  code: number,
  message: string,
  details: readonly ErrorDetails[],
  budget = MAX_STATUS_DETAILS_BYTES,
): Uint8Array {
  const encode = (list: readonly ErrorDetails[]) =>
    RpcStatus.encode(RpcStatus.fromPartial({ code, message, details: encodeErrorDetails(list) })).finish();
  const full = encode(details);
  if (full.length <= budget) return full;
  let longest = 0;
  for (const detail of details) {
    const list = violationList(detail);
    if (list !== undefined) longest = Math.max(longest, ((detail as unknown as Record<string, unknown[]>)[list.key] ?? []).length);
  }
  // Binary search for the most violations per list that fit.
  let lo = 0;
  let hi = longest;
  let best: Uint8Array | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const bytes = encode(truncated(details, mid));
    if (bytes.length <= budget) {
      best = bytes;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best ?? encode([]);
}
