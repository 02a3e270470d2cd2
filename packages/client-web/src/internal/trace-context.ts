// W3C trace context (`traceparent`, `tracestate`) of the active span, when the page registered an
// OpenTelemetry SDK, without bundling @opentelemetry/api (2.5 kB gzip of a 17.5 kB page: its
// diagnostics, version checks and baggage come along with `propagation` and `context`).
// @opentelemetry/api 1.x keeps what `context.setGlobalContextManager` and
// `propagation.setGlobalPropagator` register in one object on `globalThis` under
// `Symbol.for("opentelemetry.js.api.1")`, shared by every copy of the API on the page; this reads
// the context manager and the propagator from there, as `context.active()` and
// `propagation.inject()` do. No SDK registered: nothing is sent.
import type { Metadata } from "nice-grpc-common";

interface Context {
  getValue(key: symbol): unknown;
}

interface OpenTelemetryGlobal {
  context?: { active(): Context };
  propagation?: { inject(context: Context, carrier: Metadata, setter: { set(carrier: Metadata, key: string, value: string): void }): void };
}

const API_KEY = Symbol.for("opentelemetry.js.api.1");
/** The API's ROOT_CONTEXT when no context manager is registered: holds nothing. */
const EMPTY: Context = { getValue: () => undefined };
const setter = {
  set(carrier: Metadata, key: string, value: string) {
    carrier.set(key, value);
  },
};

/** Adds the trace context of the active span to `metadata` through the registered propagator. */
export function injectTraceContext(metadata: Metadata): void {
  const api = (globalThis as { [API_KEY]?: OpenTelemetryGlobal })[API_KEY];
  api?.propagation?.inject(api.context?.active() ?? EMPTY, metadata, setter);
}
