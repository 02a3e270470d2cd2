import { describe, expect, it } from "vitest";
import { CORS_ORIGINS_ENV, corsOptionsFromEnv } from "./cors-env.js";

describe("corsOptionsFromEnv", () => {
  it("allows nothing when unset or empty", () => {
    expect(corsOptionsFromEnv({})).toBeUndefined();
    expect(corsOptionsFromEnv({ [CORS_ORIGINS_ENV]: "  " })).toBeUndefined();
  });

  it("reads comma-separated origins in canonical form, and *", () => {
    expect(corsOptionsFromEnv({ GRPC_WEB_CORS_ORIGINS: "https://App.example.com:443, http://localhost:5173" })).toEqual({
      origins: ["https://app.example.com", "http://localhost:5173"],
    });
    expect(corsOptionsFromEnv({ GRPC_WEB_CORS_ORIGINS: "*" })).toEqual({ origins: "*" });
  });

  it.each([
    ["https://app.example.com/", /GRPC_WEB_CORS_ORIGINS: "https:\/\/app.example.com\/" is not an origin/],
    ["app.example.com", /GRPC_WEB_CORS_ORIGINS: "app.example.com" is not an origin: expected scheme:\/\/host\[:port\]/],
    ["https://a.example,,https://b.example", /GRPC_WEB_CORS_ORIGINS: expected comma-separated origins or \*, got an empty entry/],
    ["*,https://a.example", /GRPC_WEB_CORS_ORIGINS: "\*" allows every origin and must stand alone/],
  ])("refuses %s with a message naming the variable", (value, message) => {
    expect(() => corsOptionsFromEnv({ GRPC_WEB_CORS_ORIGINS: value })).toThrow(message);
  });
});
