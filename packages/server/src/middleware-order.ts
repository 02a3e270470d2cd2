/*
 * The one place that decides the order of the built-in middleware (outermost first). The README's
 * "Middleware order" section and test/middleware-order.test.ts mirror this file.
 *
 *  0. call control (grpc-js interceptor, under nice-grpc): deadline, incoming-call scope,
 *     server maximum deadline, ending streams on shutdown
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
 * Steps 1–5 run on every call, so they are plain functions around the chain (middleware/core.ts)
 * instead of five nice-grpc layers; steps 6 and 7 are middleware layers, present only when configured.
 */
import type { ServerMiddleware } from "nice-grpc-common";
import type { Logger } from "pino";
import type { ServerMetrics } from "./internal/metrics.js";
import { authMiddleware, DEFAULT_EXEMPT, exemptionMatcher } from "./middleware/auth.js";
import { core, type Core } from "./middleware/core.js";
import { rateLimitMiddleware } from "./middleware/rate-limit.js";
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
  /** Steps 1–5, run around everything else. */
  core: Core;
  /** The nice-grpc middleware implementing the later steps, outermost first. */
  middleware: ServerMiddleware<any, any>[];
}

/** The built-in middleware enabled by `options`, in order. */
export function builtInMiddleware(options: ServerOptions, logger: Logger, metrics: ServerMetrics | undefined, ownLogger: boolean): BuiltInChain {
  const tracing = options.tracing ?? true;
  const requireDeadline = options.requireDeadline ?? false;
  const steps: BuiltInMiddlewareName[] = ["requestContext"];
  if (tracing) steps.push("tracing");
  steps.push("observe", "errors");
  if (requireDeadline) steps.push("requireDeadline");
  const coreSteps = core({ logger, ownLogger, metrics, tracing, requireDeadline, isDeadlineExempt: exemptionMatcher(DEFAULT_EXEMPT) });
  const middleware: ServerMiddleware<any, any>[] = [];
  if (options.auth) {
    steps.push("auth");
    middleware.push(authMiddleware(options.auth));
  }
  if (options.rateLimit) {
    steps.push("rateLimit");
    middleware.push(rateLimitMiddleware(options.rateLimit));
  }
  return { steps, core: coreSteps, middleware };
}
