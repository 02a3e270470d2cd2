// The one error type every failed call rejects with, and small predicates over it.

import { ClientError, Metadata, Status } from "nice-grpc-common";
import type { ErrorDetails } from "nice-grpc-error-details";

/** A field that failed validation (`google.rpc.BadRequest.FieldViolation`). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** Decoded `google.rpc.BadRequest`. */
export interface BadRequestDetails {
  fieldViolations: FieldViolation[];
}

/** Decoded `google.rpc.RetryInfo`: how long the server asks the client to wait before retrying. */
export interface RetryInfoDetails {
  retryDelayMs: number;
}

/** Decoded `google.rpc.ErrorInfo`. */
export interface ErrorInfoDetails {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** What a `CallError` is built from besides path, code and message. */
export interface CallErrorInit {
  /** Trailing metadata of the failed call; empty when the call never reached a server. */
  trailers?: Metadata | undefined;
  /** Response header metadata, when the server sent headers before failing. */
  header?: Metadata | undefined;
  /** Rich error details decoded from `grpc-status-details-bin`. */
  details?: readonly ErrorDetails[] | undefined;
  cause?: unknown;
}

/**
 * The error every failed call of an `@org/client` client rejects with: the gRPC status, the
 * server's message, the decoded rich details and the trailing metadata.
 */
export class CallError extends ClientError {
  /** Field violations, when the server attached `google.rpc.BadRequest`. */
  readonly badRequest: BadRequestDetails | undefined;
  /** The server's requested retry delay, when it attached `google.rpc.RetryInfo`. */
  readonly retryInfo: RetryInfoDetails | undefined;
  /** Machine-readable reason, when the server attached `google.rpc.ErrorInfo`. */
  readonly errorInfo: ErrorInfoDetails | undefined;
  /** Every decoded detail message, including kinds without a field of their own. */
  readonly errorDetails: readonly ErrorDetails[];
  /** Trailing metadata (empty when the call never reached a server). */
  readonly trailers: Metadata;
  /** The server's `x-request-id` (from the trailers or the response header), for support requests. */
  readonly requestId: string | undefined;

  constructor(path: string, code: Status, details: string, init: CallErrorInit = {}) {
    super(path, code, details);
    this.name = "CallError";
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
    this.trailers = init.trailers ?? Metadata();
    this.requestId = this.trailers.get("x-request-id") ?? init.header?.get("x-request-id");
    this.errorDetails = init.details ?? [];
    let badRequest: BadRequestDetails | undefined;
    let retryInfo: RetryInfoDetails | undefined;
    let errorInfo: ErrorInfoDetails | undefined;
    for (const detail of this.errorDetails) {
      switch (detail.$type) {
        case "google.rpc.BadRequest":
          badRequest = {
            fieldViolations: detail.fieldViolations.map((v) => ({ field: v.field, description: v.description })),
          };
          break;
        case "google.rpc.RetryInfo": {
          const d = detail.retryDelay;
          retryInfo = { retryDelayMs: d ? Math.max(0, d.seconds * 1000 + Math.floor(d.nanos / 1e6)) : 0 };
          break;
        }
        case "google.rpc.ErrorInfo":
          errorInfo = { reason: detail.reason, domain: detail.domain, metadata: { ...detail.metadata } };
          break;
      }
    }
    this.badRequest = badRequest;
    this.retryInfo = retryInfo;
    this.errorInfo = errorInfo;
  }
}

/** Converts anything a call can throw into a `CallError` (client cancellation becomes CANCELLED). */
export function toCallError(error: unknown, path: string): CallError {
  if (error instanceof CallError) return error;
  if (error instanceof ClientError) return new CallError(path, error.code, error.details, { cause: error });
  if (error instanceof Error && error.name === "AbortError") {
    return new CallError(path, Status.CANCELLED, "The call was cancelled by the client", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CallError(path, Status.INTERNAL, `Client-side failure: ${message}`, { cause: error });
}

function hasCode(error: unknown, code: Status): boolean {
  return error instanceof ClientError && error.code === code;
}

/** True when `error` is a gRPC client error with status NOT_FOUND. */
export const isNotFound = (error: unknown): error is CallError => hasCode(error, Status.NOT_FOUND);
/** True when `error` is a gRPC client error with status ALREADY_EXISTS. */
export const isAlreadyExists = (error: unknown): error is CallError => hasCode(error, Status.ALREADY_EXISTS);
/** True when `error` is a gRPC client error with status INVALID_ARGUMENT. */
export const isInvalidArgument = (error: unknown): error is CallError => hasCode(error, Status.INVALID_ARGUMENT);
/** True when `error` is a gRPC client error with status UNAVAILABLE. */
export const isUnavailable = (error: unknown): error is CallError => hasCode(error, Status.UNAVAILABLE);
/** True when `error` is a gRPC client error with status DEADLINE_EXCEEDED. */
export const isDeadlineExceeded = (error: unknown): error is CallError => hasCode(error, Status.DEADLINE_EXCEEDED);
/** True when `error` is a gRPC client error with status ABORTED. */
export const isAborted = (error: unknown): error is CallError => hasCode(error, Status.ABORTED);
/** True when `error` is a gRPC client error with status PERMISSION_DENIED. */
export const isPermissionDenied = (error: unknown): error is CallError => hasCode(error, Status.PERMISSION_DENIED);
/** True when `error` is a gRPC client error with status UNAUTHENTICATED. */
export const isUnauthenticated = (error: unknown): error is CallError => hasCode(error, Status.UNAUTHENTICATED);
/** True when `error` is a gRPC client error with status CANCELLED (including client cancellation). */
export const isCancelled = (error: unknown): error is CallError => hasCode(error, Status.CANCELLED);
