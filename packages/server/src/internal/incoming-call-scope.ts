// The incoming-call scope, shared with @org/client through the global symbol registry (no package
// dependency either way): a call made inside a handler reads the incoming call's deadline and
// signal from it. Created by its readers only. Entering an AsyncLocalStorage turns on Node's async
// hooks for every promise in the process (a few µs per call on Node 20), so a service that never
// reads the scope (no @org/client, no useIncomingCallScope()) runs its handlers outside it.
import { AsyncLocalStorage } from "node:async_hooks";

export interface IncomingCallScope {
  deadline: Date | undefined;
  signal: AbortSignal;
}

const key = Symbol.for("@org/grpc.incoming-call-scope");
type Registry = { [key]?: AsyncLocalStorage<IncomingCallScope> };

/** The shared scope once something reads it, else `undefined`. */
export function activeIncomingCallScope(): AsyncLocalStorage<IncomingCallScope> | undefined {
  return (globalThis as Registry)[key];
}

/**
 * The shared incoming-call scope, created on first use: from then on every handler runs inside it,
 * so `scope.getStore()` gives the current call's deadline and signal. `@org/client` calls this when
 * it loads; call it at start-up if your own code reads the scope.
 */
export function useIncomingCallScope(): AsyncLocalStorage<IncomingCallScope> {
  const registry = globalThis as Registry;
  registry[key] ??= new AsyncLocalStorage<IncomingCallScope>();
  return registry[key];
}
