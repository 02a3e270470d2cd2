import { describe, expect, it } from "vitest";
import { codeForHttpStatus, decodeGrpcMessage, encodeGrpcMessage, httpRefusal, isGrpcContentType, setStatus } from "./status.js";

describe("grpc-message", () => {
  it("leaves printable ASCII alone", () => {
    expect(encodeGrpcMessage("user 42 not found")).toBe("user 42 not found");
  });

  it("percent-encodes %, control characters and UTF-8", () => {
    expect(encodeGrpcMessage("100%\nfür 🙂")).toBe("100%25%0Af%C3%BCr %F0%9F%99%82");
  });

  it("decodes what it encodes, and keeps malformed escapes", () => {
    for (const text of ["100%\nfür 🙂", "plain", "%%"]) expect(decodeGrpcMessage(encodeGrpcMessage(text))).toBe(text);
    expect(decodeGrpcMessage("50%zz")).toBe("50%zz");
  });
});

describe("setStatus", () => {
  it("sets status, encoded message and base64 details", () => {
    expect(setStatus({}, 5, "ä", new Uint8Array([1, 2, 3]))).toEqual({
      "grpc-status": "5",
      "grpc-message": "%C3%A4",
      "grpc-status-details-bin": "AQID",
    });
    expect(setStatus({}, 0, "")).toEqual({ "grpc-status": "0" });
  });
});

describe("HTTP level", () => {
  it("accepts gRPC content types only", () => {
    expect(isGrpcContentType("application/grpc")).toBe(true);
    expect(isGrpcContentType("application/grpc+proto")).toBe(true);
    expect(isGrpcContentType("application/grpc;charset=utf-8")).toBe(true);
    expect(isGrpcContentType("application/grpcx")).toBe(false);
    expect(isGrpcContentType("application/json")).toBe(false);
  });

  it("answers a wrong method 405 and a wrong content-type 415", () => {
    expect(httpRefusal("GET", "application/grpc")?.status).toBe(405);
    expect(httpRefusal("POST", "text/plain")?.status).toBe(415);
    expect(httpRefusal("POST", undefined)?.status).toBe(415);
    expect(httpRefusal("POST", "application/grpc")).toBeUndefined();
  });

  it("maps HTTP statuses as PROTOCOL-HTTP2.md does", () => {
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500].map(codeForHttpStatus)).toEqual([13, 16, 7, 12, 14, 14, 14, 14, 2]);
  });
});
