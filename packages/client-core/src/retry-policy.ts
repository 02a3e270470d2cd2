// The retry policy @org/client and @org/client-web both apply: what a retry middleware is given,
// and the codes no retry may ever follow, whatever the caller configured.
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
