import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { afterEach, describe, expect, it } from "vitest";
import { unaryRequest, unaryResponse } from "../internal/fixtures.js";
import { newCounters } from "../internal/workload.js";
import { startHttp2BareAll, startHttp2BareDefaults } from "./http2-bare-defaults.js";
import { benchToken } from "./org-server.js";
import type { RunningServer } from "./running-server.js";

const running: RunningServer[] = [];
afterEach(async () => {
  while (running.length > 0) await running.pop()?.close();
});

/** The JSON log lines written in `chunks`. */
function logLines(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .join("")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("bare node:http2 + the defaults' per-call work (the floor of @org/server defaults)", () => {
  it("echoes or makes a request id, advertises encodings, counts, and logs one JSON line per call", async () => {
    const chunks: string[] = [];
    const counters = newCounters();
    const server = await startHttp2BareDefaults(counters, (chunk) => chunks.push(chunk));
    running.push(server);
    const channel = createChannel(`127.0.0.1:${server.port}`);
    try {
      const client = createClient(UsersServiceDefinition, channel);
      const headers: Metadata[] = [];
      const trailers: Metadata[] = [];
      const onHeader = (h: Metadata) => headers.push(h);
      const onTrailer = (t: Metadata) => trailers.push(t);
      expect(await client.getUser(unaryRequest, { metadata: Metadata({ "x-request-id": "req-42" }), onHeader, onTrailer })).toEqual(
        unaryResponse,
      );
      await client.getUser(unaryRequest, { onHeader });
      expect(headers[0]?.get("x-request-id")).toBe("req-42");
      expect(headers[1]?.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(counters.unaryOk).toBe(2);
      expect(server.work.handled).toBe(2);
      expect(server.work.buckets.reduce((a, b) => a + b, 0)).toBe(2);
    } finally {
      channel.close();
    }
    server.work.lines.flush();
    const lines = logLines(chunks);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      requestId: "req-42",
      method: "/org.users.v1.UsersService/GetUser",
      code: "OK",
      msg: "grpc call",
    });
    expect(typeof lines[1]?.durationMs).toBe("number");
  });

  it("with every middleware's work: the principal from the bearer token, a span, its trace id in the line", async () => {
    const chunks: string[] = [];
    const server = await startHttp2BareAll(newCounters(), (chunk) => chunks.push(chunk));
    const channel = createChannel(`127.0.0.1:${server.port}`);
    try {
      const client = createClient(UsersServiceDefinition, channel);
      const metadata = Metadata({ authorization: `Bearer ${benchToken()}` });
      for (let i = 0; i < 2; i++) expect(await client.getUser(unaryRequest, { metadata })).toEqual(unaryResponse);
    } finally {
      channel.close();
      await server.close(); // flushes the lines and the SDK's span batch
    }
    const lines = logLines(chunks);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ principal: "bench-client", code: "OK" });
    expect(lines[1]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[0]?.traceId).not.toBe(lines[1]?.traceId);
    expect(server.exportedSpans?.()).toBe(2);
  });
});
