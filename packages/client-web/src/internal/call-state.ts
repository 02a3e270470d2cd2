// What the outer middleware hand to the inner ones for one call.
import type { WebCallOptions } from "../options.js";

export interface MethodPolicy {
  /** Deadline in milliseconds, undefined for none. */
  deadlineMs: number | undefined;
  retry: boolean;
}

/** Call options as they travel down the chain. */
export interface ChainCallOptions extends WebCallOptions {
  /** Absolute deadline (epoch ms) computed by the deadline middleware. */
  deadlineAt?: number | undefined;
}
