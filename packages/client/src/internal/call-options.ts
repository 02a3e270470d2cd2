import type { OrgCallOptions } from "../client-options.js";

/** What the outer middleware hands to the inner ones, computed once per call. */
export interface InternalCallOptions {
  /** Absolute deadline of the whole call (all attempts), epoch ms; undefined for none. */
  deadlineAt?: number | undefined;
}

/** The call options every middleware of the chain sees. */
export type ChainCallOptions = OrgCallOptions & InternalCallOptions;

/** Per-method policy, computed once at client creation. */
export interface MethodPolicy {
  /** Default deadline in ms, undefined for none. */
  readonly deadlineMs: number | undefined;
  /** Whether calls are retried unless the call says otherwise. */
  readonly retry: boolean;
}
