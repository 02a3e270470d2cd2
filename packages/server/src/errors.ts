import { Status } from "nice-grpc-common";
import { BadRequest, type ErrorDetails, ErrorInfo, RetryInfo, RichServerError } from "nice-grpc-error-details";

/** One invalid field of a request, for `google.rpc.BadRequest`. */
export interface FieldViolation {
  /** Path of the field, e.g. `"user.email"`. */
  field: string;
  /** What is wrong with it, for humans. */
  description: string;
}

/** Input of {@link errorInfo}: `google.rpc.ErrorInfo`. */
export interface ErrorInfoInit {
  /** UPPER_SNAKE_CASE reason, unique within `domain`. */
  reason: string;
  /** Service or organisation that produced the error, e.g. `"users.org.example"`. */
  domain: string;
  /** Extra structured data. Default `{}`. */
  metadata?: Record<string, string>;
}

/** Optional last argument of every helper. */
export interface ErrorExtras {
  /** Attach a `google.rpc.ErrorInfo`. */
  info?: ErrorInfoInit;
}

/** Builds a `google.rpc.ErrorInfo` detail. */
export function errorInfo(init: ErrorInfoInit): ErrorInfo {
  return ErrorInfo.fromPartial({ reason: init.reason, domain: init.domain, metadata: init.metadata ?? {} });
}

function rich(code: Status, message: string, details: ErrorDetails[], extras: ErrorExtras | undefined): RichServerError {
  if (extras?.info) details.push(errorInfo(extras.info));
  return new RichServerError(code, message, details);
}

function retryInfo(retryDelayMs: number): RetryInfo {
  const ms = Math.max(0, Math.ceil(retryDelayMs));
  return RetryInfo.fromPartial({ retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 } });
}

/** INVALID_ARGUMENT, with a `google.rpc.BadRequest` listing `violations` when given. */
export function invalidArgument(message: string, violations?: FieldViolation[], extras?: ErrorExtras): RichServerError {
  const details: ErrorDetails[] = [];
  if (violations && violations.length > 0) {
    details.push(BadRequest.fromPartial({ fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })) }));
  }
  return rich(Status.INVALID_ARGUMENT, message, details, extras);
}

/** NOT_FOUND. */
export function notFound(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.NOT_FOUND, message, [], extras);
}

/** ALREADY_EXISTS. */
export function alreadyExists(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.ALREADY_EXISTS, message, [], extras);
}

/** FAILED_PRECONDITION. */
export function failedPrecondition(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.FAILED_PRECONDITION, message, [], extras);
}

/** ABORTED (e.g. a stale etag: the client should re-read and retry). */
export function aborted(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.ABORTED, message, [], extras);
}

/** PERMISSION_DENIED. */
export function permissionDenied(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.PERMISSION_DENIED, message, [], extras);
}

/** UNAUTHENTICATED. */
export function unauthenticated(message: string, extras?: ErrorExtras): RichServerError {
  return rich(Status.UNAUTHENTICATED, message, [], extras);
}

/** RESOURCE_EXHAUSTED, with a `google.rpc.RetryInfo` when `retryDelayMs` is given. */
export function resourceExhausted(message: string, retryDelayMs?: number, extras?: ErrorExtras): RichServerError {
  return rich(Status.RESOURCE_EXHAUSTED, message, retryDelayMs === undefined ? [] : [retryInfo(retryDelayMs)], extras);
}

/** UNAVAILABLE, with a `google.rpc.RetryInfo` when `retryDelayMs` is given. */
export function unavailable(message: string, retryDelayMs?: number, extras?: ErrorExtras): RichServerError {
  return rich(Status.UNAVAILABLE, message, retryDelayMs === undefined ? [] : [retryInfo(retryDelayMs)], extras);
}
