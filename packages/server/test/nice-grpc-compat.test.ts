// Server middleware from the nice-grpc family, unchanged, on `server.use(...)` over the node:http2
// transport: nice-grpc-prometheus counts calls with their codes, nice-grpc-opentelemetry makes a
// server span per call. (The family's health and reflection services are the built-in ones:
// test/health.test.ts and test/reflection.test.ts.)
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import { registry as prometheusRegistry, prometheusServerMiddleware } from "nice-grpc-prometheus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startServer, usersImpl, waitFor } from "./helpers.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(() => provider.shutdown());

describe("nice-grpc middleware from npm on server.use()", () => {
  it("nice-grpc-prometheus counts started and handled calls by method and code", async () => {
    const t = await startServer({ tracing: false }, (server) => {
      server.use(prometheusServerMiddleware());
      server.add(UsersServiceDefinition, usersImpl());
    });
    await t.client.getUser({ id: "u1" });
    await t.client.getUser({ id: "u2" });
    expect((await rejection(() => t.client.getUser({ id: "missing" }))).code).toBe(5);
    const text = await prometheusRegistry.metrics();
    expect(text).toMatch(/grpc_server_started_total\{[^}]*grpc_method="GetUser"[^}]*\} 3/);
    expect(text).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser"[^}]*grpc_code="OK"[^}]*\} 2/);
    expect(text).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser"[^}]*grpc_code="NOT_FOUND"[^}]*\} 1/);
  });

  it("nice-grpc-opentelemetry's server middleware makes a span per call with its status code", async () => {
    exporter.reset();
    const t = await startServer({ tracing: false }, (server) => {
      server.use(openTelemetryServerMiddleware());
      server.add(UsersServiceDefinition, usersImpl());
    });
    await t.client.getUser({ id: "u1" });
    await rejection(() => t.client.getUser({ id: "missing" }));
    await waitFor(() => exporter.getFinishedSpans().length === 2);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["org.users.v1.UsersService/GetUser", "org.users.v1.UsersService/GetUser"]);
    expect(spans.map((s) => s.attributes["rpc.grpc.status_code"])).toEqual([0, 5]);
    expect(spans[0]!.attributes["net.peer.ip"]).toBe("127.0.0.1");
  });
});
