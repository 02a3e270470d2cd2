// Outermost: fixes the call's deadline (per call, per method or the client's default) and cancels
// the call locally when it passes, so a server that never answers cannot hold a page's call open.
// Each attempt sends what is left of it as `grpc-timeout` (see attempt.ts).
import { CallError, Status, toCallError } from "@org/client-core";
import type { CallOptions, ClientMiddleware } from "nice-grpc-common";
import type { ChainCallOptions, MethodPolicy } from "../internal/call-state.js";

export function deadlineMiddleware(policies: ReadonlyMap<string, MethodPolicy>): ClientMiddleware<ChainCallOptions> {
  return async function* deadlineMiddleware(call, options) {
    const policy = policies.get(call.method.path);
    const ms = options.deadlineMs ?? policy?.deadlineMs;
    const deadlineAt = options.deadline?.getTime() ?? (ms === undefined || ms === Number.POSITIVE_INFINITY ? undefined : Date.now() + ms);
    const retry = options.retry ?? policy?.retry ?? false;
    const controller = new AbortController();
    const outer = options.signal;
    const onOuterAbort = () => controller.abort();
    if (outer?.aborted) controller.abort();
    else outer?.addEventListener("abort", onOuterAbort);
    let expired = false;
    const timer =
      deadlineAt === undefined
        ? undefined
        : setTimeout(
            () => {
              expired = true;
              controller.abort();
            },
            Math.max(0, deadlineAt - Date.now()),
          );
    const next: CallOptions & ChainCallOptions = { ...options, signal: controller.signal, deadlineAt, retry };
    try {
      return yield* call.next(call.request, next);
    } catch (error) {
      if (expired) {
        throw new CallError(call.method.path, Status.DEADLINE_EXCEEDED, "Deadline exceeded (client side)", { cause: error });
      }
      throw toCallError(error, call.method.path);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    }
  };
}
