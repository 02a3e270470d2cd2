export type { OrgCallContext, Principal } from "./context.js";
export type { AddServiceOptions, OrgServer, OrgServerMiddleware, ServerState } from "./create-server.js";
export { createServer } from "./create-server.js";
export { SERVER_ENV_VARS, serverOptionsFromEnv } from "./env.js";
export type { ErrorExtras, ErrorInfoInit, FieldViolation } from "./errors.js";
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
export type { ServingStatus } from "./health.js";
export { HealthStatuses } from "./health.js";
export type { IncomingCallScope } from "./internal/incoming-call-scope.js";
export { useIncomingCallScope } from "./internal/incoming-call-scope.js";
export type { AuthOptions, JwtOptions, MethodInfo } from "./middleware/auth.js";
export { REQUEST_ID_HEADER } from "./middleware/core.js";
export type { BucketLimit, InternalCallContextLike as RateLimitKeyContext, RateLimitOptions } from "./middleware/rate-limit.js";
export type { BuiltInMiddlewareName } from "./middleware-order.js";
export { BUILT_IN_MIDDLEWARE_ORDER } from "./middleware-order.js";
export type { ServerOptions } from "./options.js";
export type { OtlpTracing, OtlpTracingOptions } from "./otlp-tracing.js";
export { setupOtlpTracing } from "./otlp-tracing.js";
export type { HttpHandler, HttpRequest, HttpResponse } from "./transport/server.js";
export type { CorsOptions } from "./transport/web/cors.js";
export type { TlsOptions } from "./transport-options.js";
