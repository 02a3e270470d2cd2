// The logical-call span: one span per call made by the application, parent of one CLIENT span per
// attempt (attempt-span.ts, made as nice-grpc-opentelemetry makes it, below the retry middleware), so
// retries are visible in a trace.
// Without an OpenTelemetry SDK (and no incoming trace context) both are skipped outright.
import { type Attributes, type Context, context, isSpanContextValid, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { type CallOptions, ClientError, type ClientMiddleware, type ClientMiddlewareCall, Status } from "nice-grpc-common";
import type { ChainCallOptions } from "../internal/call-options.js";
import { clientSpanMiddleware } from "./attempt-span.js";

const tracer = trace.getTracer("@org/client");

interface SpanInfo {
  name: string;
  attributes: Attributes;
}

export function logicalCallSpanMiddleware(): ClientMiddleware<ChainCallOptions> {
  const infos = new Map<string, SpanInfo>();
  const infoOf = (path: string): SpanInfo => {
    let info = infos.get(path);
    if (info === undefined) {
      const slash = path.indexOf("/", 1);
      info = {
        name: path.slice(1),
        attributes: { "rpc.system": "grpc", "rpc.service": path.slice(1, slash), "rpc.method": path.slice(slash + 1) },
      };
      infos.set(path, info);
    }
    return info;
  };

  return function logicalCallSpanMiddleware(call, options) {
    const info = infoOf(call.method.path);
    const span = tracer.startSpan(info.name, { kind: SpanKind.INTERNAL, attributes: info.attributes });
    // No SDK and no trace to continue: nothing to record or propagate, so no extra generator layer.
    if (!isSpanContextValid(span.spanContext())) return call.next(call.request, options);
    return traced(call, options, span);
  };
}

async function* traced<Req, Res>(
  call: ClientMiddlewareCall<Req, Res>,
  options: CallOptions,
  span: Span,
): AsyncGenerator<Res, Res | void, undefined> {
  const ctx = trace.setSpan(context.active(), span);
  let code: Status | undefined;
  try {
    const generator: AsyncGenerator<Res, Res | void, undefined> = call.next(call.request, options);
    let result = await step(ctx, generator);
    while (!result.done) {
      yield result.value;
      result = await step(ctx, generator);
    }
    code = Status.OK;
    return result.value;
  } catch (error) {
    code = error instanceof ClientError ? error.code : Status.UNKNOWN;
    endWithError(span, code, error);
    throw error;
  } finally {
    if (code === undefined) endWithError(span, Status.CANCELLED, undefined);
    else if (code === Status.OK) {
      span.setAttribute("rpc.grpc.status_code", Status.OK);
      span.end();
    }
  }
}

/** One CLIENT span per attempt (attempt-span.ts, as nice-grpc-opentelemetry's), only under an active logical span. */
export function attemptSpanMiddleware(): ClientMiddleware<ChainCallOptions> {
  const spans = clientSpanMiddleware() as ClientMiddleware<ChainCallOptions>;
  return function attemptSpanMiddleware(call, options) {
    return trace.getActiveSpan() === undefined ? call.next(call.request, options) : spans(call, options);
  };
}

function step<T, R>(ctx: Context, generator: AsyncGenerator<T, R, undefined>): Promise<IteratorResult<T, R>> {
  // Runs the inner middleware (retry, attempt spans) with the logical span active.
  return context.with(ctx, generator.next, generator);
}

function endWithError(span: Span, code: Status, error: unknown): void {
  span.setAttribute("rpc.grpc.status_code", code);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: `${Status[code]}: ${error instanceof ClientError ? error.details : "stream closed by the client"}`,
  });
  span.end();
}
