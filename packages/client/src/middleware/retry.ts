// Retries failed attempts of unary and server-streaming calls, following the semantics of
// nice-grpc-client-middleware-retry (retry only marked methods unless told otherwise, exponential
// backoff) and adding what it lacks: one overall deadline for all attempts, full jitter, the
// server's RetryInfo delay, a retry budget, and server-streaming retries before the first message.

import { trace } from "@opentelemetry/api";
import { CallError, type RetryPolicy as SharedRetryPolicy } from "@org/client-core";
import { delay } from "abort-controller-x";
import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc-common";
import type { RetryEvent } from "../client-options.js";
import type { ChainCallOptions } from "../internal/call-options.js";

/** The policy this middleware applies (shared with the other client: @org/client-core). */
export type RetryPolicy = SharedRetryPolicy<RetryEvent>;

export function retryMiddleware(policy: RetryPolicy): ClientMiddleware<ChainCallOptions> {
  const { baseDelayMs, maxDelayMs, retryableCodes, budget, onRetry } = policy;

  // A request stream cannot be replayed, so client-streaming and bidi calls are never retried; calls
  // that are not retried skip this middleware's generator altogether.
  return function retryMiddleware(call, options) {
    return !options.retry || call.requestStream ? call.next(call.request, options) : withRetries(call, options);
  };

  async function* withRetries<Req, Res>(
    call: ClientMiddlewareCall<Req, Res>,
    options: CallOptions & ChainCallOptions,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const maxAttempts = options.maxAttempts ?? policy.maxAttempts;
    const { deadlineAt, signal } = options;

    for (let attempt = 1; ; attempt++) {
      let received = false;
      try {
        if (!call.responseStream) {
          const response = yield* call.next(call.request, options);
          budget?.onSuccess();
          return response;
        }
        for await (const message of call.next(call.request, options)) {
          received = true;
          yield message;
        }
        budget?.onSuccess();
        return;
      } catch (error) {
        if (!(error instanceof CallError) || !retryableCodes.has(error.code)) throw error;
        budget?.onFailure();
        // After the first message the caller has seen part of the stream: never replay it.
        if (received || attempt >= maxAttempts || (budget !== undefined && !budget.allowsRetry())) throw error;
        const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delayMs = error.retryInfo !== undefined ? error.retryInfo.retryDelayMs : Math.random() * capMs;
        // No backoff sleeps, and no attempt starts, past the overall deadline.
        if (deadlineAt !== undefined && Date.now() + delayMs >= deadlineAt) throw error;
        onRetry?.({ path: call.method.path, attempt, delayMs, error });
        trace
          .getActiveSpan()
          ?.addEvent("retry", { "rpc.grpc.attempt": attempt, "rpc.grpc.retry_delay_ms": delayMs, "rpc.grpc.status_code": error.code });
        if (delayMs > 0) {
          if (signal !== undefined) await delay(signal, delayMs);
          else await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      }
    }
  }
}
