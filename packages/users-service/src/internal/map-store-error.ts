import { aborted, alreadyExists, notFound } from "../errors.js";
import { EmailTakenError, EtagMismatchError, UserNotFoundError } from "../store/errors.js";

/** Store failures as gRPC errors; anything else is rethrown unchanged (and reaches clients as INTERNAL/UNKNOWN without details). */
export function mapStoreError(error: unknown): never {
  if (error instanceof UserNotFoundError) throw notFound(error.message);
  if (error instanceof EmailTakenError) throw alreadyExists(error.message);
  if (error instanceof EtagMismatchError) {
    throw aborted(`${error.message}; read the user again and retry with its current etag`);
  }
  throw error;
}
