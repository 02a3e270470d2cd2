// Traces leave the service and the CLI through the OpenTelemetry SDK's own environment settings:
// a real OTLP/HTTP receiver here records what the service (OTLP protobuf) and a CLI call (OTLP JSON)
// export, and the CLI's client span is the parent of the service's server span, in one trace.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tracingConfigured } from "../src/telemetry.js";
import { cliJs, type SpawnedService, spawnService } from "./spawn-service.js";

const exec = promisify(execFile);

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 2 SERVER, 3 CLIENT. */
  kind: number;
  /** The body's encoding: "protobuf" or "json". */
  via: "protobuf" | "json";
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Reads the spans of an OTLP ExportTraceServiceRequest (opentelemetry-proto trace/v1) from protobuf. */
function spansFromProtobuf(body: Uint8Array): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  const fields = (bytes: Uint8Array, onField: (no: number, reader: BinaryReader) => void) => {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [no, type] = reader.tag();
      if (type === 2) onField(no, reader);
      else reader.skip(type);
    }
  };
  fields(body, (no, r) => {
    if (no !== 1) return void r.bytes(); // resource_spans
    let service = "";
    const scopeSpans: Uint8Array[] = [];
    fields(r.bytes(), (rsNo, rs) => {
      const bytes = rs.bytes();
      if (rsNo === 1) {
        // Resource.attributes: KeyValue { key = 1; value = 2 (AnyValue { string_value = 1 }) }
        fields(bytes, (resNo, res) => {
          const kv = res.bytes();
          if (resNo !== 1) return;
          let key = "";
          let value = "";
          fields(kv, (kvNo, kvr) => {
            if (kvNo === 1) key = kvr.string();
            else if (kvNo === 2) fields(kvr.bytes(), (vNo, vr) => (vNo === 1 ? (value = vr.string()) : vr.bytes()));
            else kvr.bytes();
          });
          if (key === "service.name") service = value;
        });
      } else if (rsNo === 2) scopeSpans.push(bytes);
    });
    for (const scope of scopeSpans) {
      fields(scope, (ssNo, ss) => {
        const bytes = ss.bytes();
        if (ssNo !== 2) return;
        const span: ExportedSpan = { service, traceId: "", spanId: "", parentSpanId: "", name: "", kind: 0, via: "protobuf" };
        const reader = new BinaryReader(bytes);
        while (reader.pos < reader.len) {
          const [f, type] = reader.tag();
          if (f === 1) span.traceId = hex(reader.bytes());
          else if (f === 2) span.spanId = hex(reader.bytes());
          else if (f === 4) span.parentSpanId = hex(reader.bytes());
          else if (f === 5) span.name = reader.string();
          else if (f === 6) span.kind = reader.int32();
          else reader.skip(type);
        }
        spans.push(span);
      });
    }
  });
  return spans;
}

interface JsonExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }[] }[];
  }[];
}

function spansFromJson(body: JsonExport): ExportedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs) => {
    const service = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "";
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        service,
        traceId: s.traceId.toLowerCase(),
        spanId: s.spanId.toLowerCase(),
        parentSpanId: (s.parentSpanId ?? "").toLowerCase(),
        name: s.name,
        kind: s.kind,
        via: "json" as const,
      })),
    );
  });
}

describe("traces exported through OTEL_* settings", () => {
  const spans: ExportedSpan[] = [];
  const contentTypes = new Set<string>();
  let receiver: Server;
  let endpoint = "";
  let service: SpawnedService;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const type = req.headers["content-type"] ?? "";
        if (req.method === "POST" && req.url === "/v1/traces") {
          contentTypes.add(type);
          spans.push(...(type.includes("json") ? spansFromJson(JSON.parse(body.toString()) as JsonExport) : spansFromProtobuf(body)));
        }
        res.writeHead(200, { "content-type": type.includes("json") ? "application/json" : "application/x-protobuf" });
        res.end(type.includes("json") ? "{}" : undefined);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    service = await spawnService({
      USERS_DB: ":memory:",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
  });

  afterAll(async () => {
    service?.child.kill("SIGKILL");
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("is off unless an exporter is configured, and OTEL_SDK_DISABLED wins", () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(false);
  });

  it("a CLI call (OTLP JSON) and the service (OTLP protobuf) export one trace: client span → server span", {
    timeout: 30_000,
  }, async () => {
    await exec(
      process.execPath,
      [cliJs, "--target", `127.0.0.1:${service.port}`, "create", "--name", "Ada", "--email", "ada@example.com"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_SERVICE_NAME: "users-cli-test",
        },
      },
    );
    const method = "org.users.v1.UsersService/CreateUser";
    const deadline = Date.now() + 15_000;
    let server: ExportedSpan | undefined;
    while (server === undefined && Date.now() < deadline) {
      server = spans.find((s) => s.kind === 2 && s.name === method);
      if (server === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(server, `no server span among ${JSON.stringify(spans)}`).toBeDefined();
    expect(server?.via).toBe("protobuf");
    expect(server?.service).toBe("users-service");
    // The CLI flushes before it exits, so its spans are in already.
    const client = spans.find((s) => s.kind === 3 && s.name === method);
    expect(client?.via).toBe("json");
    expect(client?.service).toBe("users-cli-test");
    expect(server?.traceId).toBe(client?.traceId);
    expect(server?.parentSpanId).toBe(client?.spanId);
    const command = spans.find((s) => s.name === "users create");
    expect(command?.traceId).toBe(client?.traceId);
    // command span → the call's logical span (retries live under it) → this attempt's CLIENT span.
    const logical = spans.find((s) => s.spanId === client?.parentSpanId);
    expect(logical?.name).toBe(method);
    expect(logical?.parentSpanId).toBe(command?.spanId);
    expect([...contentTypes].sort()).toEqual(["application/json", "application/x-protobuf"]);
  });

  it("flushes on SIGTERM and exits 0", { timeout: 30_000 }, async () => {
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });
});
