import { describe, expect, it } from "vitest";
import { serverOptionsFromEnv } from "../src/index.js";

describe("serverOptionsFromEnv", () => {
  it("returns nothing for an empty environment", () => {
    expect(serverOptionsFromEnv({})).toEqual({});
  });

  it("reads every documented variable", () => {
    const file = new URL(import.meta.url).pathname; // any existing file stands in for PEM paths
    const options = serverOptionsFromEnv({
      GRPC_LISTEN: "0.0.0.0:6000",
      LOG_LEVEL: "debug",
      METRICS_LISTEN: "127.0.0.1:9464",
      GRPC_REFLECTION: "true",
      NODE_ENV: "production",
      GRPC_SHUTDOWN_GRACE_MS: "15000",
      GRPC_DRAIN_DELAY_MS: "2000",
      GRPC_REQUIRE_DEADLINE: "yes",
      GRPC_MAX_DEADLINE_MS: "60_000",
      GRPC_MAX_RECEIVE_BYTES: "1048576",
      GRPC_MAX_SEND_BYTES: "2097152",
      GRPC_MAX_CONCURRENT_STREAMS: "100",
      GRPC_KEEPALIVE_TIME_MS: "30000",
      GRPC_KEEPALIVE_TIMEOUT_MS: "5000",
      GRPC_MAX_CONNECTION_IDLE_MS: "600000",
      GRPC_MAX_CONNECTION_AGE_MS: "1800000",
      AUTH_JWKS_URL: "https://issuer.example/.well-known/jwks.json",
      AUTH_JWT_ISSUER: "https://issuer.example",
      AUTH_JWT_AUDIENCE: "users-api, admin-api",
      AUTH_OPTIONAL: "false",
      TLS_CERT_FILE: file,
      TLS_KEY_FILE: file,
      TLS_CA_FILE: file,
      RATE_LIMIT_RPS: "50",
      RATE_LIMIT_BURST: "100",
    });
    expect(options).toEqual({
      listenAddress: "0.0.0.0:6000",
      logLevel: "debug",
      metricsListen: "127.0.0.1:9464",
      reflection: true,
      shutdownGraceMs: 15000,
      drainDelayMs: 2000,
      requireDeadline: true,
      maxDeadlineMs: 60000,
      maxReceiveMessageBytes: 1048576,
      maxSendMessageBytes: 2097152,
      maxConcurrentStreams: 100,
      keepaliveTimeMs: 30000,
      keepaliveTimeoutMs: 5000,
      maxConnectionIdleMs: 600000,
      maxConnectionAgeMs: 1800000,
      auth: {
        jwt: {
          jwksUrl: "https://issuer.example/.well-known/jwks.json",
          issuer: ["https://issuer.example"],
          audience: ["users-api", "admin-api"],
        },
        optional: false,
      },
      tls: { certFile: file, keyFile: file, caFile: file },
      rateLimit: { rps: 50, burst: 100 },
    });
  });

  it("turns reflection off under NODE_ENV=production unless GRPC_REFLECTION says otherwise", () => {
    expect(serverOptionsFromEnv({ NODE_ENV: "production" }).reflection).toBe(false);
    expect(serverOptionsFromEnv({ NODE_ENV: "development" }).reflection).toBeUndefined();
  });

  it("reads a shared JWT secret", () => {
    const secret = "s".repeat(32);
    expect(serverOptionsFromEnv({ AUTH_JWT_SECRET: secret }).auth).toEqual({ jwt: { secret } });
  });

  it.each([
    [{ GRPC_LISTEN: "localhost" }, /^GRPC_LISTEN: expected host:port \(e\.g\. 0\.0\.0\.0:50051\), got "localhost"/],
    [{ METRICS_LISTEN: "9464" }, /^METRICS_LISTEN: expected host:port \(e\.g\. 0\.0\.0\.0:9464\), got "9464"/],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/],
    [{ GRPC_REFLECTION: "maybe" }, /^GRPC_REFLECTION: expected true or false, got "maybe"/],
    [{ GRPC_SHUTDOWN_GRACE_MS: "10s" }, /^GRPC_SHUTDOWN_GRACE_MS: expected an integer >= 0, got "10s"/],
    [{ GRPC_MAX_RECEIVE_BYTES: "0" }, /^GRPC_MAX_RECEIVE_BYTES: expected an integer >= 1, got "0"/],
    [{ AUTH_JWT_SECRET: "short" }, /^AUTH_JWT_SECRET: expected at least 32 characters/],
    [{ AUTH_JWKS_URL: "not a url" }, /^AUTH_JWKS_URL: expected an http\(s\) URL/],
    [{ AUTH_JWT_SECRET: "s".repeat(32), AUTH_JWKS_URL: "https://x.example/jwks" }, /expected only one of AUTH_JWT_SECRET/],
    [{ AUTH_JWT_ISSUER: "https://x.example" }, /^AUTH_JWT_ISSUER\/AUTH_JWT_AUDIENCE: expected one of/],
    [
      { AUTH_JWT_PUBLIC_KEY_FILE: "/no/such/key.pem" },
      /^AUTH_JWT_PUBLIC_KEY_FILE: expected a path to an existing file, got "\/no\/such\/key.pem"/,
    ],
    [{ TLS_CERT_FILE: new URL(import.meta.url).pathname }, /^TLS_KEY_FILE: expected a PEM file path/],
    [{ RATE_LIMIT_RPS: "-1" }, /^RATE_LIMIT_RPS: expected a positive number, got "-1"/],
    [{ RATE_LIMIT_BURST: "10" }, /^RATE_LIMIT_BURST: expected RATE_LIMIT_RPS/],
  ])("fails on a bad value naming the variable: %j", (env, message) => {
    expect(() => serverOptionsFromEnv(env)).toThrow(message);
  });
});
