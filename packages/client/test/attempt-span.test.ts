// @org/client's CLIENT spans (src/middleware/attempt-span.ts) against nice-grpc-opentelemetry's, the
// package they replace: the same calls through each middleware must record the same spans (name,
// kind, attributes, message events, status) and send the same trace context.
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { type ClientMiddleware, createChannel, createClientFactory, ServerError, Status } from "nice-grpc";
import { openTelemetryClientMiddleware } from "nice-grpc-opentelemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientSpanMiddleware } from "../src/middleware/attempt-span.js";
import { startUsersServer, type TestServer, user } from "./support/users-server.js";

const exporter = new InMemorySpanExporter();
const traceparents: string[] = [];
let server: TestServer;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = await startUsersServer({
    async getUser(req, { metadata }) {
      traceparents.push(metadata.get("traceparent") ?? "");
      if (req.id === "missing") throw new ServerError(Status.NOT_FOUND, "user missing not found");
      return { user: user(req.id) };
    },
    async *streamUsers(_req, { metadata }) {
      traceparents.push(metadata.get("traceparent") ?? "");
      yield { user: user("u1") };
      yield { user: user("u2") };
    },
    async bulkCreateUsers(requests, { metadata }) {
      traceparents.push(metadata.get("traceparent") ?? "");
      let n = 0;
      for await (const _ of requests) n++;
      return { users: Array.from({ length: n }, (_, i) => user(`b${i}`)), failures: [] };
    },
  });
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** The same calls through `middleware`: what was recorded, without ids and times. */
async function record(middleware: ClientMiddleware) {
  exporter.reset();
  traceparents.length = 0;
  const channel = createChannel(server.address);
  const client = createClientFactory().use(middleware).create(UsersServiceDefinition, channel);
  try {
    await client.getUser({ id: "u1" });
    await client.getUser({ id: "missing" }).catch(() => undefined);
    for await (const _ of client.streamUsers({})) {
      // both messages
    }
    for await (const _ of client.streamUsers({})) break; // abandoned by the client
    await client.bulkCreateUsers(
      (async function* () {
        yield { user: { name: "A", email: "a@example.com" } };
        yield { user: { name: "B", email: "b@example.com" } };
      })(),
    );
  } finally {
    channel.close();
  }
  const spans = exporter.getFinishedSpans().map((s: ReadableSpan) => ({
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    status: s.status,
  }));
  return { spans, traceparents: traceparents.map((t) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/.test(t)) };
}

describe("CLIENT spans of our own", () => {
  it("equal nice-grpc-opentelemetry's for unary, error, server- and client-streaming and abandoned calls", async () => {
    const ours = await record(clientSpanMiddleware());
    const theirs = await record(openTelemetryClientMiddleware());
    expect(ours.spans).toHaveLength(5);
    expect(ours.spans.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    expect(ours.spans.map((s) => s.events.length)).toEqual([0, 0, 2, 1, 2]);
    expect(ours).toEqual(theirs);
    expect(ours.traceparents).toEqual([true, true, true, true, true]);
  });
});
