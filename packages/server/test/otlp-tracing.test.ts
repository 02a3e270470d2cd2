import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { setupOtlpTracing } from "../src/index.js";
import { startServer, waitFor } from "./helpers.js";

describe("setupOtlpTracing", () => {
  it("does nothing when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none", async () => {
    expect(await setupOtlpTracing({ env: { OTEL_SDK_DISABLED: "true" } })).toBeUndefined();
    expect(await setupOtlpTracing({ env: { OTEL_TRACES_EXPORTER: "none" } })).toBeUndefined();
    await expect(setupOtlpTracing({ env: { OTEL_TRACES_EXPORTER: "zipkin" } })).rejects.toThrow(
      /^OTEL_TRACES_EXPORTER: expected otlp or none/,
    );
  });

  it("exports server spans over OTLP/HTTP to the endpoint from OTEL_* variables", async () => {
    // A local collector stand-in on 127.0.0.1: nothing leaves the machine.
    const received: { url: string; headers: Record<string, unknown>; bytes: number }[] = [];
    const collector = createHttpServer((req, res) => {
      let bytes = 0;
      req.on("data", (c: Buffer) => (bytes += c.length));
      req.on("end", () => {
        received.push({ url: req.url ?? "", headers: req.headers, bytes });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const port = (collector.address() as AddressInfo).port;
    try {
      const tracing = await setupOtlpTracing({
        env: {
          OTEL_SERVICE_NAME: "users-test",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc",
        },
      });
      expect(tracing?.url).toBe(`http://127.0.0.1:${port}/v1/traces`);
      const t = await startServer();
      await t.client.getUser({ id: "1" });
      await tracing!.forceFlush();
      await waitFor(() => received.length > 0);
      expect(received[0]).toMatchObject({ url: "/v1/traces", headers: { "x-api-key": "abc" } });
      expect(received[0]!.bytes).toBeGreaterThan(0);
      await tracing!.shutdown();
    } finally {
      collector.closeAllConnections();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
