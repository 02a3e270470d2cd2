import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Metadata } from "nice-grpc-common";
import { openTelemetryClientMiddleware } from "nice-grpc-opentelemetry";
import { createChannel } from "nice-grpc";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callLines, clientFactory, rejection, startServer, waitFor } from "./helpers.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

describe("tracing", () => {
  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());
  beforeEach(() => exporter.reset());

  it("creates a server span that is the child of the client span across the hop", async () => {
    const t = await startServer();
    const channel = createChannel(t.address);
    const client = clientFactory.use(openTelemetryClientMiddleware()).create(UsersServiceDefinition, channel);
    const tracer = trace.getTracer("test");
    await tracer.startActiveSpan("parent", async (parent) => {
      await client.getUser({ id: "1" });
      parent.end();
    });
    channel.close();
    await waitFor(() => exporter.getFinishedSpans().length === 3);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === 1 /* SERVER */)!;
    const clientSpan = spans.find((s) => s.kind === 2 /* CLIENT */)!;
    const parent = spans.find((s) => s.name === "parent")!;
    expect(server.name).toBe("org.users.v1.UsersService/GetUser");
    expect(server.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(server.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(clientSpan.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(server.attributes["rpc.grpc.status_code"]).toBe(0);
    expect(server.status.code).not.toBe(SpanStatusCode.ERROR);
    // The call's log line carries the trace id.
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]!.traceId).toBe(parent.spanContext().traceId);
  });

  it("continues a W3C traceparent from the metadata and records error status codes", async () => {
    const t = await startServer();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentSpanId = "00f067aa0ba902b7";
    await rejection(() =>
      context.with(context.active(), () =>
        t.client.getUser({ id: "missing" }, { metadata: Metadata({ traceparent: `00-${traceId}-${parentSpanId}-01` }) }),
      ),
    );
    await waitFor(() => exporter.getFinishedSpans().length === 1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(span!.attributes["rpc.grpc.status_code"]).toBe(5);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.status.message).toMatch(/^NOT_FOUND/);
  });

  it("marks internal errors without leaking their message to the span status", async () => {
    const t = await startServer();
    await rejection(() => t.client.getUser({ id: "boom" }));
    await waitFor(() => exporter.getFinishedSpans().length === 1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes["rpc.grpc.status_code"]).toBe(13);
    expect(span!.status.message).toBe("INTERNAL: Internal server error");
  });
});
