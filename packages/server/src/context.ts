import type { Logger } from "pino";

/** Who made the call, as established by the auth middleware. */
export interface Principal {
  /** Stable identifier, e.g. the JWT `sub`. */
  subject: string;
  /** Every verified claim (for a JWT, its payload). */
  claims: Record<string, unknown>;
}

/**
 * What `@org/server` adds to nice-grpc's `CallContext` (`signal`, `metadata`, `peer`, `header`,
 * `trailer`). Handlers are `ServiceImplementation<Definition, OrgCallContext>`.
 */
export interface OrgCallContext {
  /** The call's `x-request-id` (from the request metadata, or generated); also in the response header. */
  requestId: string;
  /** The verified caller; `undefined` when auth is off or the method is exempt. */
  principal: Principal | undefined;
  /** Logger bound to this call's request id and method. */
  log: Logger;
  /** When the call must be finished: the client's deadline capped by the server maximum. */
  deadline: Date | undefined;
}
