// OpenTelemetry for the service and its CLI, configured the SDK's own way: NodeSDK reads
// OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
// OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf, the default, http/json or grpc), OTEL_TRACES_SAMPLER,
// OTEL_BSP_* and OTEL_SDK_DISABLED itself. It starts only when an exporter is configured, so a
// service nobody traces registers nothing (no context manager, no span objects per call).
// @org/server and @org/client create their spans through @opentelemetry/api whenever an SDK is
// registered; nothing else needs wiring. Metrics and logs stay off unless their own
// OTEL_*_EXPORTER variables ask for them (the service has Prometheus metrics and pino logs).
import { NodeSDK } from "@opentelemetry/sdk-node";

export interface Telemetry {
  /** Exports what is buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces to be exported. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || exporter);
}

/** Starts the SDK when the environment configures an exporter; `undefined` otherwise. */
export function startTelemetry(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry | undefined {
  if (!tracingConfigured(env)) return undefined;
  env.OTEL_METRICS_EXPORTER ??= "none";
  env.OTEL_LOGS_EXPORTER ??= "none";
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME?.trim() ? {} : { serviceName: defaultServiceName }),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
