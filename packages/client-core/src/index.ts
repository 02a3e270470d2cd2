// Transport-independent parts shared by @org/client (grpc-js) and @org/client-web (fetch):
// the error type and its decoded details, the retry policy and throttling, bearer tokens.

export { ClientError, Metadata, Status } from "nice-grpc-common";
export type {
  BadRequestDetails,
  CallErrorInit,
  ErrorInfoDetails,
  FieldViolation,
  RetryInfoDetails,
} from "./call-error.js";
export {
  CallError,
  isAborted,
  isAlreadyExists,
  isCancelled,
  isDeadlineExceeded,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isUnauthenticated,
  isUnavailable,
  toCallError,
} from "./call-error.js";
export { RetryBudget } from "./retry-budget.js";
export type { RetryPolicy } from "./retry-policy.js";
export { DEFAULT_DEADLINE_MS, DEFAULT_RETRY, isIdempotent, NEVER_RETRYABLE } from "./retry-policy.js";
export { decodeStatusDetails } from "./status-details.js";
export type { AccessToken, TokenProvider } from "./token-source.js";
export { REFRESH_BEFORE_EXPIRY_MS, TokenSource } from "./token-source.js";
