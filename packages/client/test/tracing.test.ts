import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ServerError, Status } from "nice-grpc";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createUsersClient } from "../src/index.js";
import { cleanupStack, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});
afterEach(() => exporter.reset());

describe("tracing", () => {
  it("records a logical-call span with one child CLIENT span per attempt, and injects traceparent", async () => {
    const traceparents: string[] = [];
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req, { metadata }) {
          traceparents.push(metadata.get("traceparent") ?? "");
          if (++attempts < 3) throw new ServerError(Status.UNAVAILABLE, "warming up");
          return { user: user(req.id) };
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address, retry: { baseDelayMs: 5 } }));
    await users.getUser({ id: "t1" });

    const spans = exporter.getFinishedSpans();
    const logical = spans.filter((s) => s.kind === SpanKind.INTERNAL);
    const attemptSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(logical).toHaveLength(1);
    expect(attemptSpans).toHaveLength(3);
    const parent = logical[0]!;
    expect(parent.name).toBe("org.users.v1.UsersService/GetUser");
    expect(parent.attributes["rpc.grpc.status_code"]).toBe(Status.OK);
    expect(parent.events.filter((e) => e.name === "retry")).toHaveLength(2);
    for (const span of attemptSpans) {
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    }
    expect(attemptSpans.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    // Each attempt carries its own span id in the W3C header.
    expect(traceparents).toEqual(attemptSpans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
  });

  it("nests under the caller's active span and marks a failed call", async () => {
    const server = cleanup.add(
      await startUsersServer({
        async getUser() {
          throw new ServerError(Status.NOT_FOUND, "nope");
        },
      }),
    );
    const users = cleanup.add(createUsersClient({ target: server.address }));
    const tracer = trace.getTracer("test");
    await tracer.startActiveSpan("request", async (root) => {
      await users.getUser({ id: "x" }).catch(() => undefined);
      root.end();
    });
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === "request")!;
    const logical = spans.find((s) => s.kind === SpanKind.INTERNAL && s.name.endsWith("GetUser"))!;
    expect(logical.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(logical.status.code).toBe(SpanStatusCode.ERROR);
    expect(logical.attributes["rpc.grpc.status_code"]).toBe(Status.NOT_FOUND);
    expect(spans.filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1);
  });
});
