// Retries of failed attempts with exponential backoff and full jitter, honouring the server's
// RetryInfo, the shared retry budget and the call's deadline. Only for methods marked idempotent
// (or forced per call); a server stream is retried only while nothing has been received.
import { CallError, type RetryPolicy as SharedRetryPolicy } from "@org/client-core";
import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc-common";
import type { ChainCallOptions } from "../internal/call-state.js";
import type { WebRetryEvent } from "../options.js";

/** The policy this middleware applies (shared with the other client: @org/client-core). */
export type RetryPolicy = SharedRetryPolicy<WebRetryEvent>;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function retryMiddleware(policy: RetryPolicy): ClientMiddleware<ChainCallOptions> {
  const { baseDelayMs, maxDelayMs, retryableCodes, budget, onRetry } = policy;

  return function retryMiddleware(call, options) {
    return options.retry && !call.requestStream ? withRetries(call, options) : call.next(call.request, options);
  };

  async function* withRetries<Req, Res>(
    call: ClientMiddlewareCall<Req, Res>,
    options: CallOptions & ChainCallOptions,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const maxAttempts = options.maxAttempts ?? policy.maxAttempts;
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
        if (received || attempt >= maxAttempts || (budget !== undefined && !budget.allowsRetry())) throw error;
        const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delayMs = error.retryInfo !== undefined ? error.retryInfo.retryDelayMs : Math.random() * capMs;
        if (options.deadlineAt !== undefined && Date.now() + delayMs >= options.deadlineAt) throw error;
        onRetry?.({ path: call.method.path, attempt, delayMs, error });
        if (delayMs > 0) await sleep(delayMs, options.signal);
      }
    }
  }
}
