import { AsyncLocalStorage } from "node:async_hooks";

// Shared with @org/client through the global symbol registry (see the cross-package contract):
// the client reads the incoming call's deadline and signal without depending on this package.
export interface IncomingCallScope {
  deadline: Date | undefined;
  signal: AbortSignal;
}
const key = Symbol.for("@org/grpc.incoming-call-scope");
export const incomingCallScope: AsyncLocalStorage<IncomingCallScope> = ((globalThis as any)[key] ??=
  new AsyncLocalStorage<IncomingCallScope>());
