/*
 * The one place that decides the order of the built-in middleware (outermost first). The README's
 * "Middleware order" section and test/middleware-order.test.ts mirror this file.
 *
 *  0. call control (transport gate + the call object, ServerCall, under nice-grpc): protocol refusals, deadline,
 *     incoming-call scope, server maximum deadline, ending streams on shutdown
 *  1. requestContext  request id, OrgCallContext, handler signal into the incoming-call scope
 *  2. tracing         server span, so everything below (auth failures too) is inside it
 *  3. observe         one log line + metrics per call; sees the final code of everything below,
 *                     so unauthenticated, rate-limited and deadline-less calls are logged and counted
 *  4. errors          non-ServerError → INTERNAL "Internal server error"; rich details → trailer
 *  5. requireDeadline (only with `requireDeadline: true`)
 *  6. auth            (only with `auth`) authenticate, then authorise; sets `principal`
 *  7. rateLimit       (only with `rateLimit`) after auth, so buckets are keyed by principal
 *  8. server.use(...) middleware, in registration order
 *  9. per-service middleware from add(definition, impl, { middleware })
 *     → handler
 *
 * The built-in steps run on every call, so they are plain functions around the chain
 * (middleware/core.ts) instead of nice-grpc middleware layers; 5–7 exist only when configured.
 * The core runs the admission steps (5–7) in the order of BUILT_IN_MIDDLEWARE_ORDER below, and
 * `steps` (what `server.middleware` reports) is derived from the same list.
 */
import type { Logger } from "pino";
import type { ServerMetrics } from "./internal/metrics.js";
import { authStep, DEFAULT_EXEMPT, exemptionMatcher } from "./middleware/auth.js";
import { type Core, core } from "./middleware/core.js";
import { rateLimitStep } from "./middleware/rate-limit.js";
import type { ServerOptions } from "./options.js";

/** Names of the built-in steps, outermost first. */
export const BUILT_IN_MIDDLEWARE_ORDER = [
  "requestContext",
  "tracing",
  "observe",
  "errors",
  "requireDeadline",
  "auth",
  "rateLimit",
] as const;

export type BuiltInMiddlewareName = (typeof BUILT_IN_MIDDLEWARE_ORDER)[number];

export interface BuiltInChain {
  /** Enabled steps, outermost first. */
  steps: BuiltInMiddlewareName[];
  /** Their implementation, run around everything else. */
  core: Core;
}

/** The built-in middleware enabled by `options`, in order. */
export function builtInMiddleware(
  options: ServerOptions,
  logger: Logger,
  metrics: ServerMetrics | undefined,
  ownLogger: boolean,
): BuiltInChain {
  const tracing = options.tracing ?? true;
  const requireDeadline = options.requireDeadline ?? false;
  const enabled: Record<BuiltInMiddlewareName, boolean> = {
    requestContext: true,
    tracing,
    observe: true,
    errors: true,
    requireDeadline,
    auth: options.auth !== undefined,
    rateLimit: options.rateLimit !== undefined,
  };
  const steps = BUILT_IN_MIDDLEWARE_ORDER.filter((step) => enabled[step]);
  const coreSteps = core({
    logger,
    ownLogger,
    metrics,
    tracing,
    requireDeadline,
    isDeadlineExempt: exemptionMatcher(DEFAULT_EXEMPT),
    auth: options.auth ? authStep(options.auth) : undefined,
    rateLimit: options.rateLimit ? rateLimitStep(options.rateLimit) : undefined,
    order: BUILT_IN_MIDDLEWARE_ORDER,
  });
  return { steps, core: coreSteps };
}
