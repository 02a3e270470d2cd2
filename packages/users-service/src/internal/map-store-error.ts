import { ServerError, Status } from "nice-grpc-common";
import { aborted, alreadyExists, notFound, unavailable } from "../errors.js";
import { EmailTakenError, EtagMismatchError, StoreDeadlineError, StoreUnavailableError, UserNotFoundError } from "../store/errors.js";

/** The retry delay UNAVAILABLE answers suggest when the database cannot be reached, ms. */
export const STORE_RETRY_DELAY_MS = 500;

/** Store failures as gRPC errors; anything else is rethrown unchanged (and reaches clients as INTERNAL/UNKNOWN without details). */
export function mapStoreError(error: unknown): never {
  if (error instanceof UserNotFoundError) throw notFound(error.message);
  if (error instanceof EmailTakenError) throw alreadyExists(error.message);
  if (error instanceof EtagMismatchError) {
    throw aborted(`${error.message}; read the user again and retry with its current etag`);
  }
  // Retried by @org/client for idempotent methods (and CreateUser with a request id).
  // The cause (host, driver message) stays on the server: clients learn only that it is worth
  // retrying, and when (RetryInfo; a database restart or failover takes a moment).
  if (error instanceof StoreUnavailableError) throw unavailable("the users database is unavailable; retry shortly", STORE_RETRY_DELAY_MS);
  if (error instanceof StoreDeadlineError) throw new ServerError(Status.DEADLINE_EXCEEDED, error.message);
  throw error;
}
