/*
 * The first built-in steps (see middleware-order.ts) run in one generator: each nice-grpc
 * middleware layer costs an async generator, a composed call object and several promise ticks
 * per call, and these steps run on every call. In order:
 *   requestContext → tracing → observe → errors → requireDeadline → (next middleware)
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import { isAbortError } from "abort-controller-x";
import { ServerError, Status, type CallContext, type ServerMiddleware, type ServerMiddlewareCall } from "nice-grpc-common";
import { RichServerError } from "nice-grpc-error-details";
// google.rpc.Status is not re-exported from the package index.
import { Status as RpcStatus } from "nice-grpc-error-details/lib/proto/google/rpc/status.js";
import { encodeErrorDetails } from "../internal/error-details.js";
import { openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import type { Level, Logger } from "pino";
import type { OrgCallContext } from "../context.js";
import { CallRecord } from "../internal/call-control.js";
import { incomingCallScope } from "../internal/incoming-call-scope.js";
import { statusNames } from "../internal/status-names.js";
import type { ServerMetrics } from "../internal/metrics.js";

export const REQUEST_ID_HEADER = "x-request-id";
export const INTERNAL_MESSAGE = "Internal server error";
export const DEADLINE_REQUIRED_MESSAGE = "a deadline is required: set a deadline (grpc-timeout) on the call";

// Echoed into headers and logs, so only accept ids that cannot inject anything.
const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
const HEALTH_PREFIX = "/grpc.health.v1.Health/";
const noopProvider = new ProxyTracerProvider().getDelegate();

/** Internal shape of the call context; later built-ins fill `principal`. */
export interface InternalCallContext extends CallContext, OrgCallContext {
  /** The grpc-js level record of this call. */
  readonly call: CallRecord;
}

// `log` and `deadline` are own enumerable accessors (not prototype getters) so that a middleware
// spreading the context (`{ ...context, tenant }`) keeps them; one shared descriptor each, because
// an object literal with getters costs microseconds per call.
const logDescriptor: PropertyDescriptor = {
  get(this: CallContextImpl) {
    // A pino child costs a few µs: build it only for handlers that log.
    return (this.childLogger ??= this.rootLogger.child({ requestId: this.requestId, method: this.path }));
  },
  enumerable: true,
};
const deadlineDescriptor: PropertyDescriptor = {
  get(this: CallContextImpl) {
    return this.call.deadline;
  },
  enumerable: true,
};

class CallContextImpl {
  readonly metadata: CallContext["metadata"];
  readonly peer: string;
  readonly header: CallContext["header"];
  readonly sendHeader: CallContext["sendHeader"];
  readonly trailer: CallContext["trailer"];
  readonly signal: AbortSignal;
  principal: OrgCallContext["principal"] = undefined;
  childLogger: Logger | undefined = undefined;
  declare readonly log: Logger;
  declare readonly deadline: Date | undefined;

  constructor(
    context: CallContext,
    readonly requestId: string,
    readonly call: CallRecord,
    readonly rootLogger: Logger,
    readonly path: string,
  ) {
    this.metadata = context.metadata;
    this.peer = context.peer;
    this.header = context.header;
    this.sendHeader = context.sendHeader;
    this.trailer = context.trailer;
    this.signal = context.signal;
    Object.defineProperty(this, "log", logDescriptor);
    Object.defineProperty(this, "deadline", deadlineDescriptor);
  }
}

/** Level of the one log line per call, by status code (as in grpc-go's logging interceptor). */
const levelByCode: readonly Level[] = statusNames.map((_, code) => {
  switch (code) {
    case Status.UNKNOWN:
    case Status.UNIMPLEMENTED:
    case Status.INTERNAL:
    case Status.DATA_LOSS:
      return "error";
    case Status.DEADLINE_EXCEEDED:
    case Status.PERMISSION_DENIED:
    case Status.RESOURCE_EXHAUSTED:
    case Status.FAILED_PRECONDITION:
    case Status.ABORTED:
    case Status.OUT_OF_RANGE:
    case Status.UNAVAILABLE:
      return "warn";
    default:
      return "info";
  }
});

/** True once an OpenTelemetry SDK registered a global tracer provider. */
function sdkRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== noopProvider;
}

/**
 * errors step: what a handler threw, as the client may see it. `RichServerError` details go to
 * `grpc-status-details-bin`; anything that is not a `ServerError` becomes INTERNAL "Internal
 * server error" and is kept (with its stack) for the call's log line.
 */
function toClientError(err: unknown, context: InternalCallContext): unknown {
  if (err instanceof ServerError) {
    if (err instanceof RichServerError && err.extra.length > 0 && !context.trailer.has("grpc-status-details-bin")) {
      const status = RpcStatus.fromPartial({ code: err.code, message: err.details, details: encodeErrorDetails(err.extra) });
      context.trailer.set("grpc-status-details-bin", RpcStatus.encode(status).finish());
    }
    return err;
  }
  // An abort caused by the call ending is not a bug; nice-grpc reports it as CANCELLED.
  if (isAbortError(err) && context.signal.aborted) return err;
  if (context.call.internalError === undefined) context.call.internalError = err;
  return new ServerError(Status.INTERNAL, INTERNAL_MESSAGE);
}

/** The status code a call ended with, as the client saw it. */
function finalCode(err: unknown, context: InternalCallContext): number {
  if (err instanceof ServerError) return err.code;
  if (isAbortError(err)) return Date.now() >= context.call.deadlineMs ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
  return Status.UNKNOWN;
}

export interface CoreOptions {
  logger: Logger;
  metrics: ServerMetrics | undefined;
  tracing: boolean;
  requireDeadline: boolean;
  isDeadlineExempt: (path: string) => boolean;
}

export function coreMiddleware(options: CoreOptions): ServerMiddleware<OrgCallContext> {
  const { logger, metrics, requireDeadline, isDeadlineExempt } = options;
  const otel = options.tracing ? openTelemetryServerMiddleware() : undefined;

  return async function* core<Req, Res>(call: ServerMiddlewareCall<Req, Res, OrgCallContext>, context: CallContext) {
    // ---- requestContext ----
    const record = incomingCallScope.getStore();
    if (!(record instanceof CallRecord)) {
      throw new Error("@org/server: call record missing; was the call-control interceptor installed?");
    }
    record.signal = context.signal;
    let requestId = context.metadata.get(REQUEST_ID_HEADER);
    if (requestId === undefined || !VALID_REQUEST_ID.test(requestId)) requestId = randomUUID();
    context.header.set(REQUEST_ID_HEADER, requestId);
    const path = call.method.path;
    const ctx = new CallContextImpl(context, requestId, record, logger, path);

    // ---- observe (start) ----
    const start = performance.now();
    const methodMetrics = metrics?.forMethod(call.method);
    methodMetrics?.start();
    let code: number = Status.CANCELLED; // stays so when the generator is closed early (client went away)
    let traceId: string | undefined;
    try {
      if (otel !== undefined && sdkRegistered()) {
        // ---- tracing: the span wraps errors and everything after it ----
        const traced = {
          ...call,
          next: async function* (request: any, c: InternalCallContext) {
            const span = trace.getActiveSpan();
            if (span !== undefined && span.isRecording()) traceId = span.spanContext().traceId;
            try {
              return yield* inner(call, request, c);
            } catch (err) {
              throw toClientError(err, c);
            }
          },
        } as unknown as ServerMiddlewareCall<Req, Res>;
        const result = yield* otel(traced, ctx);
        code = Status.OK;
        return result;
      }
      const result = yield* inner(call, call.request, ctx);
      code = Status.OK;
      return result;
    } catch (err) {
      const mapped = toClientError(err, ctx);
      code = finalCode(mapped, ctx);
      throw mapped;
    } finally {
      // ---- observe (end): one log line, metrics ----
      if (record.forcedCode !== undefined) code = record.forcedCode;
      else if (code === Status.OK && ctx.signal.aborted) {
        // The handler finished, but the client had already gone or run out of time.
        code = Date.now() >= record.deadlineMs ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
      }
      const elapsedMs = performance.now() - start;
      methodMetrics?.finish(code, elapsedMs / 1000);
      let level = levelByCode[code] ?? "error";
      if (level === "info" && path.startsWith(HEALTH_PREFIX)) level = "debug"; // probes every few seconds
      if (logger.isLevelEnabled(level)) {
        const line: Record<string, unknown> = {
          requestId,
          method: path,
          code: statusNames[code] ?? code,
          durationMs: Math.round(elapsedMs * 1000) / 1000,
          peer: ctx.peer,
        };
        if (ctx.principal !== undefined) line.principal = ctx.principal.subject;
        if (traceId !== undefined) line.traceId = traceId;
        if (record.internalError !== undefined) line.err = record.internalError;
        logger[level](line, "grpc call");
      }
    }
  };

  // ---- requireDeadline, then the rest of the chain ----
  function inner<Req, Res>(call: ServerMiddlewareCall<Req, Res, OrgCallContext>, request: any, ctx: InternalCallContext) {
    if (requireDeadline && ctx.call.clientDeadlineMs === Infinity && !isDeadlineExempt(call.method.path)) {
      throw new ServerError(Status.INVALID_ARGUMENT, DEADLINE_REQUIRED_MESSAGE);
    }
    return call.next(request, ctx);
  }
}
