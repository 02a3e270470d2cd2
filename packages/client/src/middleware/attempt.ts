// Innermost middleware, once per attempt: gives grpc-js the call's deadline (so it is enforced and
// sent as `grpc-timeout`), keeps the response header and trailers, and turns a failed attempt
// into a CallError carrying the decoded rich details.
import { type CallOptions, ClientError, type ClientMiddleware, type Metadata } from "nice-grpc-common";
import { CallError } from "../call-error.js";
import type { ChainCallOptions } from "../internal/call-options.js";
import { decodeStatusDetails } from "../internal/status-details.js";
import { setPendingDeadline } from "../internal/wire-deadline.js";

export function attemptMiddleware(): ClientMiddleware<ChainCallOptions> {
  return async function* attemptMiddleware(call, options) {
    const { deadlineAt, retry: _retry, maxAttempts: _maxAttempts, onHeader, onTrailer, ...others } = options;
    const rest: CallOptions = others;
    let header: Metadata | undefined;
    let trailers: Metadata | undefined;
    rest.onHeader = (received) => {
      header = received;
      onHeader?.(received);
    };
    rest.onTrailer = (received) => {
      trailers = received;
      onTrailer?.(received);
    };
    const generator = call.next(call.request, rest);
    // The first step runs synchronously down to grpc-js `createCall`, which takes the deadline.
    setPendingDeadline(deadlineAt);
    const first = generator.next();
    setPendingDeadline(undefined);
    let done = false;
    try {
      let result = await first;
      while (!result.done) {
        yield result.value;
        result = await generator.next();
      }
      done = true;
      return result.value;
    } catch (error) {
      done = true;
      if (error instanceof CallError || !(error instanceof ClientError)) throw error;
      throw new CallError(error.path, error.code, error.details, {
        trailers,
        header,
        details: decodeStatusDetails(trailers),
        cause: error,
      });
    } finally {
      // The consumer stopped early (break out of a stream): close the inner generator too.
      if (!done) await generator.return(undefined as never);
    }
  };
}
