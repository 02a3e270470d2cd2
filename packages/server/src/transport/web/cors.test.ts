import { describe, expect, it } from "vitest";
import { createCorsPolicy, DEFAULT_EXPOSED_HEADERS, isSameOrigin, normalizeOrigin } from "./cors.js";

const APP = "https://app.example.com";

describe("createCorsPolicy", () => {
  it("allows nothing by default", () => {
    const policy = createCorsPolicy();
    expect(policy.allows(APP)).toBe(false);
    const answer = policy.preflight({ origin: APP, method: "POST", headers: "content-type" });
    expect(answer.status).toBe(403);
    expect(answer.reason).toBe(`origin ${APP} is not allowed to call this server`);
    expect(answer.headers).not.toHaveProperty("access-control-allow-origin");
  });

  it("answers a preflight from a configured origin with every header a browser checks", () => {
    const policy = createCorsPolicy({ origins: [APP, "http://localhost:5173"] });
    const answer = policy.preflight({
      origin: APP,
      method: "POST",
      headers: "Content-Type, X-Grpc-Web, x-user-agent, grpc-timeout, authorization, traceparent",
    });
    expect(answer).toEqual({
      status: 204,
      reason: "",
      headers: {
        "access-control-allow-origin": APP,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type, x-grpc-web, x-user-agent, grpc-timeout, authorization, traceparent",
        "access-control-max-age": "600",
        vary: "Origin, Access-Control-Request-Headers",
      },
    });
    expect(policy.allows("http://localhost:5173")).toBe(true);
    expect(policy.allows("http://localhost:5174")).toBe(false);
  });

  it("refuses another method and headers that are not allowed, naming them", () => {
    const policy = createCorsPolicy({ origins: [APP], allowedHeaders: ["x-tenant"] });
    expect(policy.preflight({ origin: APP, method: "PUT", headers: undefined })).toMatchObject({
      status: 403,
      reason: "method PUT is not allowed: gRPC-Web calls use POST",
    });
    expect(policy.preflight({ origin: APP, method: "POST", headers: "x-tenant, x-secret, cookie" })).toMatchObject({
      status: 403,
      reason: "request header(s) not allowed: x-secret, cookie",
    });
    expect(policy.preflight({ origin: APP, method: "POST", headers: "X-Tenant" }).status).toBe(204);
    expect(policy.preflight({ origin: undefined, method: "POST", headers: undefined }).status).toBe(403);
  });

  it('reflects any requested header with allowedHeaders "*"', () => {
    const policy = createCorsPolicy({ origins: [APP], allowedHeaders: "*" });
    expect(policy.preflight({ origin: APP, method: "POST", headers: "x-anything" }).headers).toMatchObject({
      "access-control-allow-headers": "x-anything",
    });
  });

  it("marks an actual response: origin, Vary and the gRPC headers a page must read", () => {
    const policy = createCorsPolicy({ origins: [APP], exposedHeaders: ["X-Trace-Id", "grpc-status"] });
    expect(policy.responseHeaders(APP)).toEqual({
      "access-control-allow-origin": APP,
      vary: "Origin",
      "access-control-expose-headers": "grpc-status, grpc-message, grpc-status-details-bin, x-request-id, x-trace-id",
    });
    expect(DEFAULT_EXPOSED_HEADERS).toEqual(["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id"]);
  });

  it('answers "*" without naming the origin, and credentials only for listed origins', () => {
    const any = createCorsPolicy({ origins: "*", maxAgeSeconds: 60 });
    expect(any.allows("https://anyone.example")).toBe(true);
    expect(any.responseHeaders("https://anyone.example")["access-control-allow-origin"]).toBe("*");
    expect(any.preflight({ origin: "https://x.example", method: "POST", headers: "" }).headers).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "POST",
      "access-control-max-age": "60",
      vary: "Access-Control-Request-Headers",
    });
    const withCookies = createCorsPolicy({ origins: [APP], allowCredentials: true });
    expect(withCookies.responseHeaders(APP)).toMatchObject({ "access-control-allow-credentials": "true" });
    expect(() => createCorsPolicy({ origins: "*", allowCredentials: true })).toThrow(/cannot be combined/);
  });

  it("rejects bad configuration naming the field", () => {
    expect(() => createCorsPolicy({ origins: ["https://app.example.com/"] })).toThrow(/is not an origin/);
    expect(() => createCorsPolicy({ origins: [APP], allowedHeaders: ["bad header"] })).toThrow(/cors.allowedHeaders: "bad header"/);
    expect(() => createCorsPolicy({ origins: [APP], maxAgeSeconds: -1 })).toThrow(/cors.maxAgeSeconds/);
  });
});

describe("normalizeOrigin", () => {
  it.each([
    ["https://App.Example.com", "https://app.example.com"],
    ["https://app.example.com:443", "https://app.example.com"],
    ["http://localhost:8080", "http://localhost:8080"],
    ["http://[::1]:3000", "http://[::1]:3000"],
    ["capacitor://localhost", "capacitor://localhost"],
  ])("%s → %s", (input, output) => {
    expect(normalizeOrigin(input)).toBe(output);
  });

  it.each(["app.example.com", "https://app.example.com/", "https://a.example/path", "https://u@a.example", "https://"])(
    "refuses %s",
    (input) => {
      expect(() => normalizeOrigin(input)).toThrow(/is not an origin/);
    },
  );
});

describe("isSameOrigin", () => {
  it("compares the Origin with the request's own scheme and authority", () => {
    expect(isSameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080", false)).toBe(true);
    expect(isSameOrigin("https://api.example.com", "api.example.com:443", true)).toBe(true);
    expect(isSameOrigin("http://api.example.com", "api.example.com", true)).toBe(false);
    expect(isSameOrigin("http://evil.example", "127.0.0.1:8080", false)).toBe(false);
    expect(isSameOrigin("http://127.0.0.1:8080", undefined, false)).toBe(false);
  });
});
