export { createServer } from "./create-server.js";
export type { AddServiceOptions, OrgServer, OrgServerMiddleware, ServerState } from "./create-server.js";
export type { ServerOptions } from "./options.js";
export { serverOptionsFromEnv, SERVER_ENV_VARS } from "./env.js";
export type { OrgCallContext, Principal } from "./context.js";
export {
  aborted,
  alreadyExists,
  errorInfo,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
} from "./errors.js";
export type { ErrorExtras, ErrorInfoInit, FieldViolation } from "./errors.js";
export { HealthStatuses } from "./health.js";
export type { ServingStatus } from "./health.js";
export { BUILT_IN_MIDDLEWARE_ORDER } from "./middleware-order.js";
export type { BuiltInMiddlewareName } from "./middleware-order.js";
export type { AuthOptions, JwtOptions, MethodInfo } from "./middleware/auth.js";
export type { BucketLimit, RateLimitOptions, InternalCallContextLike as RateLimitKeyContext } from "./middleware/rate-limit.js";
export type { TlsOptions } from "./transport.js";
export { setupOtlpTracing } from "./otlp-tracing.js";
export type { OtlpTracing, OtlpTracingOptions } from "./otlp-tracing.js";
export { incomingCallScope } from "./internal/incoming-call-scope.js";
export type { IncomingCallScope } from "./internal/incoming-call-scope.js";
export { REQUEST_ID_HEADER } from "./middleware/core.js";
