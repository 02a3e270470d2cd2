// Storage-level failures. The service maps them to gRPC codes (src/internal/map-store-error.ts);
// the store itself knows nothing about gRPC so another implementation can throw the same ones.

/** No user has the given id. */
export class UserNotFoundError extends Error {
  override readonly name = "UserNotFoundError";
  constructor(readonly id: string) {
    super(`user ${JSON.stringify(id)} not found`);
  }
}

/** Another user already has this email (compared case-insensitively). */
export class EmailTakenError extends Error {
  override readonly name = "EmailTakenError";
  constructor(readonly email: string) {
    super(`email ${JSON.stringify(email)} is already in use`);
  }
}

/** The caller's etag does not match the stored one: someone else changed the user first. */
export class EtagMismatchError extends Error {
  override readonly name = "EtagMismatchError";
  constructor(
    readonly id: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`user ${JSON.stringify(id)} has changed: etag ${JSON.stringify(expected)} is stale`);
  }
}

/**
 * The database cannot be reached or dropped the connection (refused, reset, restarting, pool
 * exhausted): the write did not happen, or a read found nothing; the call may be retried.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The statement ran out of the call's time and the database cancelled it. */
export class StoreDeadlineError extends Error {
  override readonly name = "StoreDeadlineError";
}
