// The incoming-call scope shared with @org/server through the global symbol registry, so a call
// made inside a server handler inherits its deadline and cancellation without a package dependency.
// @org/server enters the scope only once a reader has created it; this module is that reader, so
// loading @org/client switches propagation on. Kept in step with
// packages/server/src/internal/incoming-call-scope.ts.
import { AsyncLocalStorage } from "node:async_hooks";

export interface IncomingCallScope {
  deadline: Date | undefined;
  signal: AbortSignal;
}

const key = Symbol.for("@org/grpc.incoming-call-scope");
type Registry = { [key]?: AsyncLocalStorage<IncomingCallScope> };

const registry = globalThis as Registry;
registry[key] ??= new AsyncLocalStorage<IncomingCallScope>();

export const incomingCallScope: AsyncLocalStorage<IncomingCallScope> = registry[key];
