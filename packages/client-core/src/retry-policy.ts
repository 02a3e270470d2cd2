// The retry policy @org/client and @org/client-web both apply: their defaults, what a retry
// middleware is given, which methods may be retried, and the codes no retry may ever follow,
// whatever the caller configured.
import { Status } from "nice-grpc-common";
import type { RetryBudget } from "./retry-budget.js";

export interface RetryPolicy<Event> {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  retryableCodes: ReadonlySet<Status>;
  budget: RetryBudget | undefined;
  onRetry: ((event: Event) => void) | undefined;
}

/** Codes a retry can never fix or that would make a retry unsafe. */
export const NEVER_RETRYABLE: ReadonlySet<Status> = new Set([
  Status.OK,
  Status.CANCELLED,
  Status.INVALID_ARGUMENT,
  Status.DEADLINE_EXCEEDED,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.PERMISSION_DENIED,
  Status.FAILED_PRECONDITION,
  Status.OUT_OF_RANGE,
  Status.UNIMPLEMENTED,
  Status.DATA_LOSS,
  Status.UNAUTHENTICATED,
]);

/** Deadline of a unary or client-streaming call when the caller sets none, ms. */
export const DEFAULT_DEADLINE_MS = 10_000;

/** Retries when the caller configures none: UNAVAILABLE only, 4 attempts, full-jitter backoff, a budget. */
export const DEFAULT_RETRY = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  retryableCodes: [Status.UNAVAILABLE] as readonly Status[],
  budget: { maxTokens: 100, tokenRatio: 0.1 },
} as const;

/** Whether a method's proto `idempotency_level` makes its calls safe to retry. */
export function isIdempotent(idempotencyLevel: string | undefined): boolean {
  return idempotencyLevel === "NO_SIDE_EFFECTS" || idempotencyLevel === "IDEMPOTENT";
}
