export { Metadata, Status } from "nice-grpc-common";
export type { BadRequestDetails, ErrorInfoDetails, FieldViolation, RetryInfoDetails } from "./call-error.js";
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
} from "./call-error.js";
export type {
  AccessToken,
  ClientOptions,
  MethodOptions,
  OrgCallOptions,
  RetryEvent,
  RetryOptions,
  TlsOptions,
  TokenProvider,
} from "./client-options.js";
export type { OrgClient, UsersClient } from "./create-client.js";
export { createClient, createUsersClient } from "./create-client.js";
