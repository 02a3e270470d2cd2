// Client-side Prometheus metrics with go-grpc-prometheus's names and labels, so dashboards made for
// Go clients work for ours: started/handled counters and a handling-time histogram per logical call
// (all attempts of a retried call together), plus a counter of retried attempts.
//
// prom-client is an optional peer dependency: it is loaded only when a client is given a registry,
// so a client without metrics does not need it installed.
import { createRequire } from "node:module";
import { CallError } from "@org/client-core";
import { type ClientMiddleware, type ClientMiddlewareCall, type MethodDescriptor, Status } from "nice-grpc-common";
import type { Counter, Histogram, Registry } from "prom-client";
import type { MetricsRegistry } from "../client-options.js";
import type { ChainCallOptions } from "../internal/call-options.js";

/** Upper bounds of the handling-seconds histogram buckets (the server's, so both sides compare). */
export const CLIENT_HANDLING_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type MethodLabels = { grpc_type: string; grpc_service: string; grpc_method: string };

interface MethodMetrics {
  readonly labels: MethodLabels;
  readonly started: Counter.Internal;
  readonly handlingSeconds: Histogram.Internal<string>;
  readonly retries: Counter.Internal;
}

/** The metrics of one registry; clients sharing a registry share these. */
export interface ClientMetrics {
  readonly middleware: ClientMiddleware<ChainCallOptions>;
  /** Counts one retried attempt of the method at `path` (called by the retry middleware's hook). */
  retried(path: string): void;
}

type PromClient = typeof import("prom-client");

function loadPromClient(): PromClient {
  try {
    return createRequire(import.meta.url)("prom-client") as PromClient;
  } catch (error) {
    throw new TypeError("@org/client: the metricsRegistry option needs the prom-client package installed", { cause: error });
  }
}

function methodLabels(method: MethodDescriptor): MethodLabels {
  const [, service = "", name = ""] = method.path.split("/");
  const type = method.requestStream
    ? method.responseStream
      ? "bidi_stream"
      : "client_stream"
    : method.responseStream
      ? "server_stream"
      : "unary";
  return { grpc_type: type, grpc_service: service, grpc_method: name };
}

function codeOf(error: unknown): Status {
  if (error instanceof CallError) return error.code;
  if (error instanceof Error && error.name === "AbortError") return Status.CANCELLED;
  return Status.UNKNOWN;
}

/** Registers the client metrics in `registry`, or reuses them when another client already did. */
export function createClientMetrics(given: MetricsRegistry): ClientMetrics {
  const registry = given as unknown as Registry;
  const prom = loadPromClient();
  const labelNames = ["grpc_type", "grpc_service", "grpc_method"] as const;
  function metric<T>(name: string, create: () => T): T {
    return (registry.getSingleMetric(name) as T | undefined) ?? create();
  }
  const started = metric(
    "grpc_client_started_total",
    () =>
      new prom.Counter({
        name: "grpc_client_started_total",
        help: "Total number of RPCs started on the client.",
        labelNames,
        registers: [registry],
      }),
  );
  const handled = metric(
    "grpc_client_handled_total",
    () =>
      new prom.Counter({
        name: "grpc_client_handled_total",
        help: "Total number of RPCs completed by the client, regardless of success or failure.",
        labelNames: [...labelNames, "grpc_code"],
        registers: [registry],
      }),
  );
  const handlingSeconds = metric(
    "grpc_client_handling_seconds",
    () =>
      new prom.Histogram({
        name: "grpc_client_handling_seconds",
        help: "Histogram of response latency (seconds) of the gRPC until it is finished by the application.",
        labelNames,
        buckets: CLIENT_HANDLING_SECONDS_BUCKETS,
        registers: [registry],
      }),
  );
  const retries = metric(
    "grpc_client_retries_total",
    () =>
      new prom.Counter({
        name: "grpc_client_retries_total",
        help: "Total number of attempts the client retried after a retryable failure.",
        labelNames,
        registers: [registry],
      }),
  );

  // Label children are looked up once per method, not once per call.
  const byPath = new Map<string, MethodMetrics>();
  function forMethod(method: MethodDescriptor): MethodMetrics {
    let found = byPath.get(method.path);
    if (found === undefined) {
      const labels = methodLabels(method);
      found = { labels, started: started.labels(labels), handlingSeconds: handlingSeconds.labels(labels), retries: retries.labels(labels) };
      byPath.set(method.path, found);
    }
    return found;
  }

  async function* measured<Req, Res>(
    call: ClientMiddlewareCall<Req, Res>,
    options: ChainCallOptions,
    m: MethodMetrics,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const startedAt = performance.now();
    let code: Status = Status.OK;
    try {
      return yield* call.next(call.request, options);
    } catch (error) {
      code = codeOf(error);
      throw error;
    } finally {
      // A consumer that stops reading a stream early ends here too (as OK, as go-grpc-prometheus).
      m.handlingSeconds.observe((performance.now() - startedAt) / 1000);
      handled.inc({ ...m.labels, grpc_code: Status[code] ?? String(code) });
    }
  }

  return {
    middleware: function metricsMiddleware(call, options) {
      const m = forMethod(call.method);
      m.started.inc();
      return measured(call, options, m);
    },
    retried(path) {
      // The metrics middleware is outside the retries, so it has seen the method already.
      byPath.get(path)?.retries.inc();
    },
  };
}
