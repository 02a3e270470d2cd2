// nice-grpc with the usual packages assembled the way their READMEs show: OpenTelemetry
// (always-on sampler, batching exporter), Prometheus, a pino logging middleware, health.
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { type CallContext, createServer, ServerError, type ServerMiddlewareCall, Status } from "nice-grpc";
import { openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import { prometheusServerMiddleware, registry } from "nice-grpc-prometheus";
import { HealthDefinition, HealthServiceImpl } from "nice-grpc-server-health";
import { pino } from "pino";
import { registerTracing } from "../internal/tracing.js";
import type { WorkCounters } from "../internal/workload.js";
import { niceImplementation } from "./nice-grpc-impl.js";
import { handledOk } from "./prom-count.js";
import type { RunningServer } from "./running-server.js";

// A common hand-written logging middleware: one line per call at info, errors at error.
function loggingMiddleware(logger: pino.Logger) {
  return async function* logging<Req, Res>(call: ServerMiddlewareCall<Req, Res>, context: CallContext) {
    const start = performance.now();
    try {
      const result = yield* call.next(call.request, context);
      logger.info({ method: call.method.path, peer: context.peer, code: "OK", durationMs: performance.now() - start }, "call finished");
      return result;
    } catch (err) {
      const code = err instanceof ServerError ? Status[err.code] : "UNKNOWN";
      logger.error({ method: call.method.path, peer: context.peer, code, err, durationMs: performance.now() - start }, "call failed");
      throw err;
    }
  };
}

export async function startNiceGrpcNaive(counters: WorkCounters): Promise<RunningServer> {
  const tracing = registerTracing();
  const logger = pino(); // stdout; the harness points it at /dev/null
  const server = createServer().use(openTelemetryServerMiddleware()).use(prometheusServerMiddleware()).use(loggingMiddleware(logger));
  server.add(UsersServiceDefinition, niceImplementation(counters));
  server.add(HealthDefinition, HealthServiceImpl());
  const port = await server.listen("127.0.0.1:0");
  return {
    port,
    okFromMetrics: () => handledOk(registry),
    exportedSpans: tracing.exportedSpans,
    close: async () => {
      await server.shutdown();
      await tracing.shutdown();
    },
  };
}
