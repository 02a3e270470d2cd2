/*
 * Opt-in OpenTelemetry setup: a NodeTracerProvider exporting OTLP/HTTP, configured from the
 * standard OTEL_* variables. Loaded lazily so services that do not call it never load the SDK.
 */
import type { SpanExporter } from "@opentelemetry/sdk-trace-node";

/** Options of {@link setupOtlpTracing}. */
export interface OtlpTracingOptions {
  /** Where the OTEL_* variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** `service.name` when OTEL_SERVICE_NAME is not set. Default `"unknown_service:node"`. */
  serviceName?: string;
  /** Export to this exporter instead of OTLP/HTTP (tests). Default: OTLP/HTTP. */
  exporter?: SpanExporter;
}

/** What {@link setupOtlpTracing} set up. */
export interface OtlpTracing {
  /** Where spans go: the resolved OTLP traces URL. */
  url: string;
  /** Flushes pending spans. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; call it after `server.shutdown()`. */
  shutdown(): Promise<void>;
}

function parseHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

/**
 * Registers a global OpenTelemetry tracer provider exporting spans over OTLP/HTTP, configured by
 * OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (`otlp` or `none`), OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * OTEL_EXPORTER_OTLP_HEADERS / OTEL_EXPORTER_OTLP_TRACES_HEADERS and OTEL_TRACES_SAMPLER(_ARG).
 * Resolves `undefined` when disabled. Call it before creating clients and servers.
 *
 * @deprecated Always sends OTLP JSON and ignores OTEL_EXPORTER_OTLP_PROTOCOL; start `@opentelemetry/sdk-node`'s
 * NodeSDK instead (it reads every OTEL_* variable), as the users service does.
 */
export async function setupOtlpTracing(options: OtlpTracingOptions = {}): Promise<OtlpTracing | undefined> {
  const env = options.env ?? process.env;
  if ((env.OTEL_SDK_DISABLED ?? "").toLowerCase() === "true") return undefined;
  const exporterName = (env.OTEL_TRACES_EXPORTER ?? "otlp").trim().toLowerCase();
  if (exporterName === "none") return undefined;
  if (exporterName !== "otlp") throw new Error(`OTEL_TRACES_EXPORTER: expected otlp or none, got "${exporterName}"`);

  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);

  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318").replace(/\/+$/, "");
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`;
  const headers = { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) };
  const exporter = options.exporter ?? new OTLPTraceExporter({ url, headers });

  const attributes: Record<string, string> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) attributes[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  attributes["service.name"] = env.OTEL_SERVICE_NAME ?? attributes["service.name"] ?? options.serviceName ?? "unknown_service:node";
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(attributes));

  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register(); // global provider, AsyncLocalStorage context manager, W3C trace-context propagator
  return {
    url,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
