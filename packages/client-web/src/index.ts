export type {
  AccessToken,
  BadRequestDetails,
  ErrorInfoDetails,
  FieldViolation,
  RetryInfoDetails,
  TokenProvider,
} from "@org/client-core";
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
  Metadata,
  Status,
} from "@org/client-core";
export type { UsersWebClient, WebClient } from "./create-web-client.js";
export { createUsersWebClient, createWebClient } from "./create-web-client.js";
export type { TracingApi } from "./internal/trace-context.js";
export type { WebCallOptions, WebClientOptions, WebMethodOptions, WebRetryEvent, WebRetryOptions } from "./options.js";
