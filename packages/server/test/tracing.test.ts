import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { UsersServiceDefinition, type UsersServiceImplementation } from "@org/api/org/users/v1";
import { createChannel, createServer as createNiceServer } from "nice-grpc";
import { Metadata } from "nice-grpc-common";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";
import { openTelemetryClientMiddleware, openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { peerAttributes } from "../src/internal/server-tracing.js";
import { callLines, clientFactory, rejection, startServer, usersImpl, waitFor } from "./helpers.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(() => provider.shutdown());
beforeEach(() => exporter.reset());

describe("tracing", () => {
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

  it("continues a gRPC-Web call's traceparent and names the protocol on its span", async () => {
    const t = await startServer();
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const { getUser } = UsersServiceDefinition.methods;
    const message = getUser.requestType.encode({ id: "w1" }).finish();
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const response = await fetch(`http://127.0.0.1:${t.port}/${UsersServiceDefinition.fullName}/GetUser`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      body,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    await waitFor(() => exporter.getFinishedSpans().length === 1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.attributes["rpc.grpc.protocol"]).toBe("grpc-web");
    expect(span!.attributes["rpc.grpc.status_code"]).toBe(0);
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

  it("names the method and the peer, and records a message event per streamed message", async () => {
    const t = await startServer();
    async function* two() {
      yield { user: { name: "a" } };
      yield { user: { name: "b" } };
    }
    expect((await t.client.bulkCreateUsers(two())).createdCount).toBe(2);
    const ac = new AbortController();
    const seen: string[] = [];
    await rejection(async () => {
      for await (const { user } of t.client.streamUsers({}, { signal: ac.signal })) {
        seen.push(user!.id);
        if (seen.length === 2) ac.abort();
      }
    });
    await waitFor(() => exporter.getFinishedSpans().length === 2);
    const [bulk, stream] = exporter.getFinishedSpans().sort((a, b) => a.name.localeCompare(b.name));
    expect(bulk!.name).toBe("org.users.v1.UsersService/BulkCreateUsers");
    expect(bulk!.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "org.users.v1.UsersService",
      "rpc.method": "BulkCreateUsers",
      "net.peer.ip": "127.0.0.1",
      "rpc.grpc.status_code": 0,
      "rpc.grpc.status_text": "OK",
    });
    expect(typeof bulk!.attributes["net.peer.port"]).toBe("number");
    expect(bulk!.events.map((e) => [e.name, e.attributes?.["message.type"], e.attributes?.["message.id"]])).toEqual([
      ["message", "RECEIVED", 1],
      ["message", "RECEIVED", 2],
    ]);
    expect(stream!.events.filter((e) => e.attributes?.["message.type"] === "SENT").length).toBeGreaterThanOrEqual(2);
    expect(stream!.attributes["rpc.grpc.status_code"]).toBe(1);
    expect(stream!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: "CANCELLED: The operation was cancelled" });
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

describe("peer attributes", () => {
  it("splits ip:port, and names hosts that are not addresses", () => {
    expect(peerAttributes("127.0.0.1:5000")).toEqual({ "net.peer.ip": "127.0.0.1", "net.peer.port": 5000 });
    expect(peerAttributes("::1:5000")).toEqual({ "net.peer.ip": "::1", "net.peer.port": 5000 });
    expect(peerAttributes("localhost:80")).toEqual({ "net.peer.name": "localhost", "net.peer.port": 80 });
    expect(peerAttributes("unknown")).toEqual({ "net.peer.name": "unknown" });
    expect(peerAttributes("unix:x")).toEqual({ "net.peer.name": "unix:x" });
  });
});

describe("tracing parity with nice-grpc-opentelemetry", () => {
  /** What a server span says, minus ids, times and the client's port. */
  function shape(span: ReturnType<InMemorySpanExporter["getFinishedSpans"]>[number]) {
    const { "net.peer.port": _port, ...attributes } = span.attributes;
    return {
      name: span.name,
      kind: span.kind,
      attributes,
      status: span.status,
      events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    };
  }

  async function serverSpans(address: string): Promise<ReturnType<typeof shape>[]> {
    exporter.reset();
    const channel = createChannel(address);
    const client = clientFactory.create(UsersServiceDefinition, channel);
    try {
      await client.getUser({ id: "1" });
      await rejection(() => client.getUser({ id: "missing" }));
      const stream: string[] = [];
      const controller = new AbortController();
      for await (const r of client.streamUsers({}, { signal: controller.signal })) {
        stream.push(r.user?.id ?? "");
        if (stream.length === 2) controller.abort();
      }
    } catch (error) {
      if (!(error instanceof Error && error.name === "AbortError")) throw error;
    } finally {
      channel.close();
    }
    await waitFor(
      () => exporter.getFinishedSpans().filter((s) => s.kind === 1).length === 3,
      3000,
      `3 server spans, got ${exporter
        .getFinishedSpans()
        .map((s) => `${s.kind}:${s.name}`)
        .join(",")}`,
    );
    return exporter
      .getFinishedSpans()
      .filter((s) => s.kind === 1 /* SERVER */)
      .map(shape);
  }

  it("@org/server's server spans say what nice-grpc-opentelemetry's say, for OK, error and streaming calls", async () => {
    const reference = createNiceServer().use(openTelemetryServerMiddleware()).use(errorDetailsServerMiddleware);
    // The fixture only reads OrgCallContext fields for ids these calls do not use.
    reference.add(UsersServiceDefinition, usersImpl() as unknown as UsersServiceImplementation);
    const port = await reference.listen("127.0.0.1:0");
    let expected: ReturnType<typeof shape>[];
    try {
      expected = await serverSpans(`127.0.0.1:${port}`);
    } finally {
      await reference.shutdown();
    }
    const t = await startServer();
    const actual = await serverSpans(t.address);
    expect(actual.map((s) => s.name)).toEqual([
      "org.users.v1.UsersService/GetUser",
      "org.users.v1.UsersService/GetUser",
      "org.users.v1.UsersService/StreamUsers",
    ]);
    expect(actual).toEqual(expected);
  });
});
