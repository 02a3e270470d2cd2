/*
 * The built-in steps (see middleware-order.ts), run as plain functions around every
 * call instead of nice-grpc middleware layers: each layer would cost an async generator, a
 * composed call object and several promise ticks per call (per message on streams), and these
 * steps run on every call. In order:
 *   requestContext → tracing → observe → errors → requireDeadline → auth → rateLimit → (the rest)
 */
import { performance } from "node:perf_hooks";
import { context as otelContext, ProxyTracerProvider, type Span, trace } from "@opentelemetry/api";
import { isAbortError } from "abort-controller-x";
import { type MethodDescriptor, ServerError, Status } from "nice-grpc-common";
import { RichServerError } from "nice-grpc-error-details";
import type { Level, Logger } from "pino";
import { CallLog, quote } from "../internal/call-log.js";
import { encodeStatusDetails } from "../internal/error-details.js";
import type { ServerMetrics } from "../internal/metrics.js";
import { newRequestId, REQUEST_ID_HEADER } from "../internal/request-id.js";
import type { MethodRoute, ServerCall } from "../internal/server-call.js";
import { endSpan, MethodTracing, messageEvent, receivedEvents } from "../internal/server-tracing.js";
import { statusNames } from "../internal/status-names.js";
import type { CallProtocol } from "../transport/web/call-io.js";
import type { AuthCheck } from "./auth.js";
import type { RateLimitCheck } from "./rate-limit.js";
import { type StreamEnd, StreamRun } from "./stream-run.js";

export { REQUEST_ID_HEADER };
export const INTERNAL_MESSAGE = "Internal server error";
/** Message of the log line of a call refused before the built-in steps ran. */
export const REFUSED_MESSAGE = "grpc call refused";
export const DEADLINE_REQUIRED_MESSAGE = "a deadline is required: set a deadline (grpc-timeout) on the call";

// Echoed into headers and logs, so only accept ids that cannot inject anything.
const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
const HEALTH_PREFIX = "/grpc.health.v1.Health/";
const CALL_MESSAGE = "grpc call";
const noopProvider = new ProxyTracerProvider().getDelegate();

/** The call context the built-in steps work on (see internal/server-call.ts). */
export type InternalCallContext = ServerCall;

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
      context.trailer.set("grpc-status-details-bin", encodeStatusDetails(err.code, err.details, err.extra));
    }
    return err;
  }
  // An abort caused by the call ending is not a bug; it reaches the client as CANCELLED.
  if (isAbortError(err) && context.cancelled) return err;
  if (context.internalError === undefined) context.internalError = err;
  return new ServerError(Status.INTERNAL, INTERNAL_MESSAGE);
}

/**
 * Why an auth refusal happened, for the call's log line: the message the client got (the auth
 * step's messages never contain the token). Other codes keep their message out of the log.
 */
function refusalReason(err: unknown): string | undefined {
  return err instanceof ServerError && (err.code === Status.UNAUTHENTICATED || err.code === Status.PERMISSION_DENIED)
    ? err.details
    : undefined;
}

/**
 * How close to its deadline a call the client ended counts as ended by the deadline. The client's
 * deadline runs from when it sent the call, ours from when the call arrived: a client that gives up
 * at its deadline resets the stream about one transit time before ours passes.
 */
const DEADLINE_SLACK_MS = 10;

/** Why a call that ended early ended, by the clock: its deadline, or the client's cancellation. */
function endedCode(context: InternalCallContext): number {
  return Date.now() >= context.deadlineMs - DEADLINE_SLACK_MS ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
}

/** The status code a call ended with, as the client saw it. */
function finalCode(err: unknown, context: InternalCallContext): number {
  if (err instanceof ServerError) return err.code;
  if (isAbortError(err)) return endedCode(context);
  return Status.UNKNOWN;
}

/** The rest of the chain after the built-in core steps, for a single-response method. */
export type UnaryNext = (request: unknown, context: InternalCallContext) => unknown;
/** The rest of the chain after the built-in core steps, for a streaming-response method. */
export type StreamNext = (request: unknown, context: InternalCallContext) => AsyncIterable<unknown>;

export interface CoreOptions {
  logger: Logger;
  /** The logger is the one @org/server created: write the per-call line without pino's generic path. */
  ownLogger: boolean;
  metrics: ServerMetrics | undefined;
  tracing: boolean;
  requireDeadline: boolean;
  isDeadlineExempt: (path: string) => boolean;
  /** The auth step (6), when configured. */
  auth: { forMethod(path: string): AuthCheck | undefined } | undefined;
  /** The rate-limit step (7), when configured. */
  rateLimit: { forMethod(path: string): RateLimitCheck | undefined } | undefined;
  /**
   * The built-in steps in the order of middleware-order.ts. The admission steps among them
   * (`requireDeadline`, `auth`, `rateLimit`) run in this order; the others have fixed places in
   * how a call runs (see `unaryRoute`).
   */
  order: readonly string[];
}

/** An admission step: returns when the call may go on (a promise while it checks), or throws its refusal. */
type Gate = (context: InternalCallContext) => void | Promise<void>;

/** Runs `gates` in order from `from`; a promise only once a gate needs to wait. */
function admitThrough(gates: readonly Gate[], ctx: InternalCallContext, from = 0): Promise<void> | undefined {
  for (let i = from; i < gates.length; i++) {
    const pending = gates[i]!(ctx);
    if (pending != null) return pending.then(() => admitThrough(gates, ctx, i + 1));
  }
  return undefined;
}

/** The core steps, bound once per method. */
export interface Core {
  unaryRoute(descriptor: MethodDescriptor, next: UnaryNext): MethodRoute;
  streamRoute(descriptor: MethodDescriptor, next: StreamNext): MethodRoute;
  /**
   * Logs and counts a call ended before these steps ran (a malformed request, oversized metadata,
   * a deadline spent on arrival, a stream arriving during shutdown), like any other call.
   */
  refused(descriptor: MethodDescriptor, peer: string, code: number, details: string, protocol?: CallProtocol): void;
}

/** Span attribute naming the wire protocol of a gRPC-Web call (`grpc-web`, `grpc-web-text`). */
export const PROTOCOL_ATTRIBUTE = "rpc.grpc.protocol";

export function core(options: CoreOptions): Core {
  const { logger, metrics, requireDeadline, isDeadlineExempt } = options;
  const tracing = options.tracing;
  const callLog = options.ownLogger ? new CallLog(logger, CALL_MESSAGE) : undefined;

  /** Per method: what every call of it shares. */
  function methodState(descriptor: MethodDescriptor) {
    const path = descriptor.path;
    /** `,"method":…,"code":…` of the log line, by code. */
    const lineParts: string[] = [];
    return {
      path,
      methodAndCode(code: number): string {
        const name = statusNames[code];
        return (lineParts[code] ??= `,"method":${quote(path)},"code":${name === undefined ? code : quote(name)}`);
      },
      stats: metrics?.forMethod(descriptor),
      tracing: tracing ? new MethodTracing(path) : undefined,
      gates: gatesFor(path),
      healthProbe: path.startsWith(HEALTH_PREFIX),
      responseStream: descriptor.responseStream,
    };
  }
  type MethodState = ReturnType<typeof methodState>;

  // ---- requestContext ----
  function requestContext(ctx: InternalCallContext): void {
    const given = ctx.requestValue(REQUEST_ID_HEADER);
    const requestId = given !== undefined && VALID_REQUEST_ID.test(given) ? given : newRequestId();
    ctx.requestId = requestId;
    ctx.echoRequestId();
  }

  // ---- requireDeadline ----
  function checkDeadline(ctx: InternalCallContext): void {
    if (ctx.clientDeadlineMs === Infinity) {
      throw new ServerError(Status.INVALID_ARGUMENT, DEADLINE_REQUIRED_MESSAGE);
    }
  }

  /** The admission steps of one method, in the configured order; only those that apply. */
  function gatesFor(path: string): Gate[] {
    const byStep: Record<string, Gate | undefined> = {
      requireDeadline: requireDeadline && !isDeadlineExempt(path) ? checkDeadline : undefined,
      auth: options.auth?.forMethod(path),
      rateLimit: options.rateLimit?.forMethod(path),
    };
    const gates: Gate[] = [];
    for (const step of options.order) {
      const gate = byStep[step];
      if (gate !== undefined) gates.push(gate);
    }
    return gates;
  }

  // ---- observe (end): one log line, metrics ----
  function observe(
    m: MethodState,
    ctx: InternalCallContext,
    code: number,
    start: number,
    traceId: string | undefined,
    reason: string | undefined,
  ): void {
    if (ctx.forcedCode !== undefined) code = ctx.forcedCode;
    else if (code === Status.OK && ctx.cancelled) {
      // The handler finished, but the client had already gone or run out of time.
      code = endedCode(ctx);
    }
    const elapsedMs = performance.now() - start;
    m.stats?.finish(code, elapsedMs / 1000);
    const protocol = ctx.protocol === "grpc" ? undefined : ctx.protocol;
    if (protocol !== undefined) m.stats?.finishWeb(protocol, code);
    let level = levelByCode[code] ?? "error";
    if (level === "info" && m.healthProbe) level = "debug"; // probes every few seconds
    if (!logger.isLevelEnabled(level)) return;
    const durationMs = Math.round(elapsedMs * 1000) / 1000;
    if (callLog !== undefined && ctx.internalError === undefined && callLog.usable) {
      callLog.write({
        levelValue: logger.levels.values[level]!,
        requestId: ctx.requestId,
        methodAndCode: m.methodAndCode(code),
        durationMs,
        peer: ctx.peer,
        principal: ctx.principal?.subject,
        reason,
        traceId,
        protocol,
      });
      return;
    }
    const line: Record<string, unknown> = {
      requestId: ctx.requestId,
      method: m.path,
      code: statusNames[code] ?? code,
      durationMs,
      peer: ctx.peer,
    };
    if (ctx.principal !== undefined) line.principal = ctx.principal.subject;
    if (reason !== undefined) line.reason = reason;
    if (traceId !== undefined) line.traceId = traceId;
    if (protocol !== undefined) line.protocol = protocol;
    if (ctx.internalError !== undefined) line.err = ctx.internalError;
    logger[level](line, CALL_MESSAGE);
  }

  /**
   * How every call ends: what was thrown becomes what the client may see (errors step), the span
   * gets its status, the call its log line and metrics (observe), then the status goes out.
   */
  function settle(
    m: MethodState,
    ctx: InternalCallContext,
    start: number,
    span: Span | undefined,
    failed: boolean,
    thrown: unknown,
    response: unknown,
  ): void {
    const error = failed ? toClientError(thrown, ctx) : undefined;
    let traceId: string | undefined;
    try {
      if (span !== undefined) {
        if (span.isRecording()) traceId = span.spanContext().traceId; // for the log line
        endSpan(span, error, failed);
      }
      observe(m, ctx, failed ? finalCode(error, ctx) : Status.OK, start, traceId, failed ? refusalReason(error) : undefined);
    } finally {
      if (failed) ctx.fail(error);
      else if (m.responseStream) ctx.finish();
      else ctx.respond(response);
    }
  }

  /** The call's span, when tracing is on and an OpenTelemetry SDK is registered. */
  function startSpan(m: MethodState, ctx: InternalCallContext) {
    if (m.tracing === undefined || !sdkRegistered()) return undefined;
    const traced = m.tracing.start(ctx.grpcMetadata, ctx.peer);
    // Only gRPC-Web calls carry it, so gRPC spans stay equal to nice-grpc-opentelemetry's.
    const protocol = ctx.protocol;
    if (protocol !== "grpc") traced.span.setAttribute(PROTOCOL_ATTRIBUTE, protocol);
    return traced;
  }

  function unaryRoute(descriptor: MethodDescriptor, next: UnaryNext): MethodRoute {
    const m = methodState(descriptor);

    // What runs inside the span: the admission steps (requireDeadline, auth, rateLimit, in the
    // configured order), then the rest of the chain (with a RECEIVED event per request message of
    // a client stream, when recording).
    function inner(ctx: InternalCallContext, request: unknown, span: Span | undefined): unknown {
      const admitting = m.gates.length === 0 ? undefined : admitThrough(m.gates, ctx);
      if (admitting !== undefined) return admitting.then(() => admitted(ctx, request, span));
      return admitted(ctx, request, span);
    }

    function admitted(ctx: InternalCallContext, request: unknown, span: Span | undefined): unknown {
      if (span !== undefined && descriptor.requestStream && span.isRecording())
        request = receivedEvents(request as AsyncIterable<unknown>, span);
      return next(request, ctx);
    }

    return {
      descriptor,
      logger,
      unary(ctx, request) {
        requestContext(ctx);
        const start = performance.now();
        m.stats?.start();
        let span: Span | undefined;
        let result: unknown;
        try {
          const traced = startSpan(m, ctx);
          if (traced !== undefined) {
            span = traced.span;
            result = otelContext.with(traced.context, inner, undefined, ctx, request, span);
          } else {
            result = inner(ctx, request, undefined);
          }
        } catch (err) {
          settle(m, ctx, start, span, true, err, undefined);
          return;
        }
        // One reaction on the handler's promise rather than an async function awaiting it (its
        // frame, its own promise and the await's closures, per call).
        Promise.resolve(result).then(
          (response) => settle(m, ctx, start, span, false, undefined, response),
          (err: unknown) => settle(m, ctx, start, span, true, err, undefined),
        );
      },
    };
  }

  function streamRoute(descriptor: MethodDescriptor, next: StreamNext): MethodRoute {
    const m = methodState(descriptor);

    /** The admission steps in the configured order; a promise only while one is waiting (auth verifying a token). */
    function admit(ctx: InternalCallContext): Promise<void> | undefined {
      return m.gates.length === 0 ? undefined : admitThrough(m.gates, ctx);
    }

    // What runs inside the span: the admission steps, then the rest of the chain, writing each
    // response (with a SENT event, and RECEIVED events for request messages, when recording).
    async function pump(ctx: InternalCallContext, request: unknown, span: Span | undefined): Promise<void> {
      const admitting = admit(ctx);
      if (admitting !== undefined) await admitting;
      const events = span?.isRecording() ? span : undefined;
      const requests =
        events !== undefined && descriptor.requestStream ? receivedEvents(request as AsyncIterable<unknown>, events) : request;
      let sent = 0;
      for await (const response of next(requests, ctx)) {
        const wait = ctx.write(response);
        if (events !== undefined) messageEvent(events, "SENT", ++sent);
        if (wait !== undefined) await wait;
      }
    }

    /** A run ends: the errors step, the span, the log line and metrics, the status. */
    const ending: StreamEnd = {
      ended(run, failed, error) {
        settle(m, run.call, run.start, run.span, failed, error, undefined);
      },
    };

    return {
      descriptor,
      logger,
      stream(ctx, request) {
        requestContext(ctx);
        const run = new StreamRun(ctx, performance.now(), ending);
        m.stats?.start();
        let admitting: Promise<void> | undefined;
        try {
          const traced = startSpan(m, ctx);
          if (traced !== undefined) {
            run.span = traced.span;
            run.await(otelContext.with(traced.context, pump, undefined, ctx, request, traced.span));
            return;
          }
          admitting = admit(ctx);
        } catch (err) {
          run.fail(err);
          return;
        }
        if (admitting === undefined) run.run(next, request);
        else
          admitting.then(
            () => run.run(next, request),
            (err: unknown) => run.fail(err),
          );
      },
    };
  }

  function refused(descriptor: MethodDescriptor, peer: string, code: number, details: string, protocol: CallProtocol = "grpc"): void {
    const stats = metrics?.forMethod(descriptor);
    stats?.start();
    stats?.finish(code, 0);
    if (protocol !== "grpc") stats?.finishWeb(protocol, code);
    const level = levelByCode[code] ?? "error";
    if (!logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      method: descriptor.path,
      code: statusNames[code] ?? code,
      durationMs: 0,
      peer,
      reason: details,
    };
    if (protocol !== "grpc") line.protocol = protocol;
    logger[level](line, REFUSED_MESSAGE);
  }

  return { unaryRoute, streamRoute, refused };
}
