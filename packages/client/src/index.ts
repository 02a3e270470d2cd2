export type { BadRequestDetails, ErrorInfoDetails, FieldViolation, RetryInfoDetails } from "@org/client-core";
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
} from "@org/client-core";
export { Metadata, Status } from "nice-grpc-common";
export type {
  AccessToken,
  ClientOptions,
  MethodOptions,
  MetricsRegistry,
  OrgCallOptions,
  RetryEvent,
  RetryOptions,
  TlsOptions,
  TokenProvider,
} from "./client-options.js";
export type { OrgClient, UsersClient } from "./create-client.js";
export { createClient, createUsersClient } from "./create-client.js";
