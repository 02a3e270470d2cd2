import { afterEach, describe, expect, it, vi } from "vitest";
import { mapChannelOptions, tlsMaterial, transportOptions } from "./transport-options.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("transport options", () => {
  it("maps grpc-js channelOptions with an equivalent; an explicit option wins", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const mapped = mapChannelOptions({
      maxSendMessageBytes: 10,
      channelOptions: { "grpc.max_receive_message_length": 1234, "grpc.max_send_message_length": 99, "grpc.keepalive_time_ms": 5000 },
    });
    expect(mapped).toMatchObject({ maxReceiveMessageBytes: 1234, maxSendMessageBytes: 10, keepaliveTimeMs: 5000 });
    expect(warn).not.toHaveBeenCalled();
  });

  it("ignores other channelOptions keys with a DeprecationWarning naming them", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    mapChannelOptions({ channelOptions: { "grpc.some_tuning": 1 } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("grpc.some_tuning");
    expect(warn.mock.calls[0]![1]).toBe("DeprecationWarning");
  });

  it("turns ServerOptions into transport settings with the documented defaults", () => {
    const t = transportOptions({});
    expect(t.tls).toBeUndefined();
    expect(t.maxConcurrentStreams).toBeUndefined();
    expect(t.limits).toEqual({ maxReceiveBytes: 4 * 1024 * 1024, maxSendBytes: 4 * 1024 * 1024, responseEncoding: "identity" });
    expect(t.session).toMatchObject({
      keepaliveTimeMs: 7_200_000,
      keepaliveTimeoutMs: 20_000,
      maxConnectionIdleMs: 0,
      handshakeTimeoutMs: 10_000,
    });
    expect(transportOptions({ maxConcurrentStreams: 5, responseCompression: "gzip" })).toMatchObject({
      maxConcurrentStreams: 5,
      limits: { responseEncoding: "gzip" },
    });
  });

  it("needs a certificate and a key for TLS; a CA requires client certificates by default", () => {
    expect(() => tlsMaterial({ cert: "x" })).toThrow(/certificate .* and a key/);
    expect(tlsMaterial({ cert: "c", key: "k", ca: "a" })).toMatchObject({ requireClientCert: true });
    expect(tlsMaterial({ cert: "c", key: "k", ca: "a", requireClientCert: false })).toMatchObject({ requireClientCert: false });
  });
});
