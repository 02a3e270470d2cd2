// Which PostgreSQL and driver failures mean "the database is not there right now" (UNAVAILABLE,
// safe to retry) and which mean "the statement ran out of the call's time" (DEADLINE_EXCEEDED),
// so that no database fault reaches a client as INTERNAL.
import { StoreDeadlineError, StoreUnavailableError } from "./errors.js";

/** Socket-level errors of the driver. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs: class 08 (connection exception), 57P01-57P05 (server shutting down, crash recovery,
 * cannot connect now, idle session timeout), 53300 (too many connections), 40001 and 40P01
 * (serialization failure and deadlock: nothing was written, a retry may succeed).
 */
function isUnavailableState(code: string): boolean {
  return code.startsWith("08") || /^57P0[1-5]$/.test(code) || code === "53300" || code === "40001" || code === "40P01";
}

/** The driver's messages for a connection that went away or never came (no code on these). */
const LOST_CONNECTION =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Client was closed/i;

/**
 * The store error `error` stands for, or `error` itself when it is not a database fault
 * (a constraint violation the caller handles, a bug).
 */
export function classifyPostgresError(error: unknown, deadlinePassed: boolean): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    // 57014 query_canceled: our statement_timeout (the call's deadline) fired.
    if (code === "57014") {
      return deadlinePassed
        ? new StoreDeadlineError("the database query ran out of the call's deadline and was cancelled")
        : new StoreUnavailableError("the database cancelled the query", { cause: error });
    }
    if (NETWORK_CODES.has(code) || isUnavailableState(code)) {
      return new StoreUnavailableError(`${code}: ${error.message}`, { cause: error });
    }
  }
  if (LOST_CONNECTION.test(error.message)) return new StoreUnavailableError(error.message, { cause: error });
  return error;
}
