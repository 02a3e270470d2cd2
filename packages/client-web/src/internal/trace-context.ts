// W3C trace context (`traceparent`, `tracestate`) of the active span, through the public API of
// `@opentelemetry/api` the page passes in (`tracing: { context, propagation }`): the client does not
// import the API itself, so a page without tracing does not bundle it (2.5 kB gzip of a 17.5 kB
// page, packages/bench "Browser bundle size"), and it reads nothing of the API's internals.
import type { Metadata } from "nice-grpc-common";

/**
 * The two parts of `@opentelemetry/api` the client uses: pass the API's own `context` and
 * `propagation` (`import { context, propagation } from "@opentelemetry/api"`). Structural, so
 * `@opentelemetry/api` stays an optional peer and any 1.x copy fits.
 */
export interface TracingApi {
  context: { active(): unknown };
  propagation: {
    // `any`: the API's Context type, whichever 1.x copy the page has
    inject<Carrier>(context: any, carrier: Carrier, setter?: { set(carrier: Carrier, key: string, value: string): void }): void;
  };
}

const setter = {
  set(carrier: Metadata, key: string, value: string) {
    carrier.set(key, value);
  },
};

/** Adds the trace context of the active span to `metadata`, as the registered propagator writes it. */
export function injectTraceContext(api: TracingApi, metadata: Metadata): void {
  api.propagation.inject(api.context.active(), metadata, setter);
}
