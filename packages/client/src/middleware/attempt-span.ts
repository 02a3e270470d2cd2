// One CLIENT span per attempt, made exactly as nice-grpc-opentelemetry's client middleware makes
// it (name, kind, rpc.* attributes, `message` events for streamed messages, status, injected trace
// context), so traces look the same to every backend. Our own because that package depends on
// @opentelemetry/semantic-conventions, 9.7 MB of every consumer's install for six attribute names;
// test/attempt-span.test.ts records both middlewares' spans for the same calls and compares them.
import { type Attributes, context, propagation, type Span, SpanKind, SpanStatusCode, type TextMapSetter, trace } from "@opentelemetry/api";
import { isAbortError } from "abort-controller-x";
import { type CallOptions, ClientError, type ClientMiddleware, type ClientMiddlewareCall, Metadata, Status } from "nice-grpc-common";

const tracer = trace.getTracer("@org/client");

const metadataSetter: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

const methodAttributes = new Map<string, Attributes>();
function attributesOf(path: string): Attributes {
  let attributes = methodAttributes.get(path);
  if (attributes === undefined) {
    const [, service, method] = path.split("/");
    attributes = { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method };
    methodAttributes.set(path, attributes);
  }
  return attributes;
}

async function* messageEvents<T>(iterable: AsyncIterable<T>, span: Span, type: "SENT" | "RECEIVED"): AsyncGenerator<T, void, undefined> {
  let id = 1;
  for await (const item of iterable) {
    span.addEvent("message", { "message.type": type, "message.id": id++ });
    yield item;
  }
}

/** Runs `generator`'s steps inside `ctx`, as the span's context must be active for the attempt. */
function bound<T, R>(ctx: ReturnType<typeof context.active>, generator: AsyncGenerator<T, R, undefined>): AsyncGenerator<T, R, undefined> {
  return {
    next: context.bind(ctx, generator.next.bind(generator)),
    return: context.bind(ctx, generator.return.bind(generator)),
    throw: context.bind(ctx, generator.throw.bind(generator)),
    [Symbol.asyncIterator]() {
      return this;
    },
    [Symbol.asyncDispose]: async () => {
      await generator.return(undefined as R);
    },
  } as AsyncGenerator<T, R, undefined>;
}

/** The CLIENT span of one attempt; the caller decides whether to run it (an active span exists). */
export function clientSpanMiddleware(): ClientMiddleware {
  return (call, options) =>
    tracer.startActiveSpan(call.method.path.slice(1), { kind: SpanKind.CLIENT }, (span) => {
      const metadata = Metadata(options.metadata);
      propagation.inject(context.active(), metadata, metadataSetter);
      return bound(context.active(), attempt(span, call, { ...options, metadata }));
    });
}

async function* attempt<Req, Res>(
  span: Span,
  call: ClientMiddlewareCall<Req, Res>,
  options: CallOptions,
): AsyncGenerator<Res, Res | void, undefined> {
  span.setAttributes(attributesOf(call.method.path));
  let settled = false;
  let status: Status = Status.OK;
  let message = "";
  try {
    const request = call.requestStream
      ? (messageEvents(call.request as AsyncIterable<unknown>, span, "SENT") as unknown as typeof call.request)
      : call.request;
    if (!call.responseStream) {
      const response = yield* call.next(request, options);
      settled = true;
      return response;
    }
    yield* messageEvents(call.next(request, options) as AsyncIterable<Res>, span, "RECEIVED");
    settled = true;
    return;
  } catch (error) {
    settled = true;
    if (error instanceof ClientError) {
      status = error.code;
      message = error.details;
    } else if (isAbortError(error)) {
      status = Status.CANCELLED;
      message = "The operation was cancelled";
    } else {
      status = Status.UNKNOWN;
      message = "Unknown server error occurred";
      span.recordException(error as Error);
    }
    throw error;
  } finally {
    if (!settled) {
      status = Status.CANCELLED;
      message = "Stream iteration was aborted by client, e.g. by breaking from the for .. of loop";
    }
    span.setAttributes({ "rpc.grpc.status_code": status, "rpc.grpc.status_text": Status[status] });
    if (status !== Status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: `${Status[status]}: ${message}` });
    span.end();
  }
}
