// The incoming-call scope shared with @org/server through the global symbol registry, so a call
// made inside a server handler inherits its deadline and cancellation without a package dependency.
// Kept identical to packages/server/src/internal/incoming-call-scope.ts (see the contracts).
import { AsyncLocalStorage } from "node:async_hooks";

export interface IncomingCallScope {
  deadline: Date | undefined;
  signal: AbortSignal;
}

const key = Symbol.for("@org/grpc.incoming-call-scope");

export const incomingCallScope: AsyncLocalStorage<IncomingCallScope> = ((globalThis as any)[key] ??=
  new AsyncLocalStorage<IncomingCallScope>());
