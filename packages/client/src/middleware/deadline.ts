// Outermost middleware: resolves the call's overall deadline (call → method → client default),
// narrows it to the incoming call's deadline when running inside a server handler, links the
// incoming call's cancellation, optionally waits for the channel, and makes every failure a
// CallError.
import { type Channel, connectivityState } from "@grpc/grpc-js";
import { CallError, toCallError } from "@org/client-core";
import { type ClientMiddleware, Status } from "nice-grpc-common";
import type { ChainCallOptions, MethodPolicy } from "../internal/call-options.js";
import { incomingCallScope } from "../internal/incoming-call-scope.js";

export interface DeadlineMiddlewareOptions {
  /** Policy per method path. */
  policies: ReadonlyMap<string, MethodPolicy>;
  /** Set when calls should wait for the channel to be ready. */
  waitForReadyChannel: Channel | undefined;
}

export function deadlineMiddleware({ policies, waitForReadyChannel }: DeadlineMiddlewareOptions): ClientMiddleware<ChainCallOptions> {
  return async function* deadlineMiddleware(call, options) {
    const path = call.method.path;
    const { deadline, deadlineMs, ...rest } = options;
    const policy = policies.get(path);
    let deadlineAt: number | undefined;
    if (deadline !== undefined) {
      deadlineAt = deadline.getTime();
    } else {
      const ms = deadlineMs ?? policy?.deadlineMs;
      if (ms !== undefined && ms !== Number.POSITIVE_INFINITY) deadlineAt = Date.now() + ms;
    }
    if (rest.retry === undefined) rest.retry = policy?.retry ?? false;

    let controller: AbortController | undefined;
    let unlink: (() => void) | undefined;
    const scope = incomingCallScope.getStore();
    if (scope !== undefined) {
      const incoming = scope.deadline?.getTime();
      if (incoming !== undefined && (deadlineAt === undefined || incoming < deadlineAt)) deadlineAt = incoming;
      // One controller aborts this call when either the caller's or the incoming call's signal does.
      controller = new AbortController();
      const ctl = controller;
      const onAbort = () => ctl.abort();
      const own = rest.signal;
      if (scope.signal.aborted || own?.aborted) ctl.abort();
      scope.signal.addEventListener("abort", onAbort);
      own?.addEventListener("abort", onAbort);
      unlink = () => {
        scope.signal.removeEventListener("abort", onAbort);
        own?.removeEventListener("abort", onAbort);
      };
      rest.signal = ctl.signal;
    }

    try {
      if (rest.signal?.aborted) throw new CallError(path, Status.CANCELLED, "The call was cancelled by the client");
      if (deadlineAt !== undefined && deadlineAt <= Date.now()) {
        throw new CallError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded before the call started");
      }
      if (waitForReadyChannel !== undefined) await waitForReady(waitForReadyChannel, path, deadlineAt, rest.signal);
      (rest as ChainCallOptions).deadlineAt = deadlineAt;
      return yield* call.next(call.request, rest);
    } catch (error) {
      throw toCallError(error, path);
    } finally {
      unlink?.();
    }
  };
}

async function waitForReady(
  channel: Channel,
  path: string,
  deadlineAt: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  let state = channel.getConnectivityState(true);
  while (state !== connectivityState.READY) {
    if (state === connectivityState.SHUTDOWN) throw new CallError(path, Status.UNAVAILABLE, "The client is closed");
    if (signal?.aborted) throw new CallError(path, Status.CANCELLED, "The call was cancelled by the client");
    const current = state;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => resolve();
      signal?.addEventListener("abort", onAbort, { once: true });
      channel.watchConnectivityState(current, deadlineAt ?? Number.POSITIVE_INFINITY, (error) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(new CallError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded while waiting for the channel"));
        else resolve();
      });
    });
    state = channel.getConnectivityState(true);
  }
}
