import { describe, expect, it } from "vitest";
import { frameGrpcMessage } from "./grpc-frame.js";
import { parseGrpcWebBody } from "./grpc-web.js";

function trailerFrame(text: string): Buffer {
  const payload = Buffer.from(text, "latin1");
  const head = Buffer.alloc(5);
  head[0] = 0x80;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

describe("gRPC-Web response bodies", () => {
  it("splits messages from the trailer frame and reads its header lines", () => {
    const body = Buffer.concat([frameGrpcMessage(Buffer.from("abc")), trailerFrame("grpc-status: 0\r\nGrpc-Message: ok%20then\r\n")]);
    const parsed = parseGrpcWebBody(body);
    expect(parsed.messages.map((m) => m.toString())).toEqual(["abc"]);
    expect(parsed.trailers).toEqual({ "grpc-status": "0", "grpc-message": "ok%20then" });
  });

  it("has no trailers when the body has no trailer frame", () => {
    expect(parseGrpcWebBody(frameGrpcMessage(Buffer.from("x"))).trailers).toBeUndefined();
    expect(parseGrpcWebBody(Buffer.alloc(0))).toEqual({ messages: [], trailers: undefined });
  });

  it("rejects truncated frames, malformed trailers and data after the trailers", () => {
    expect(() => parseGrpcWebBody(frameGrpcMessage(Buffer.from("abc")).subarray(0, 6))).toThrow(/truncated frame/);
    expect(() => parseGrpcWebBody(Buffer.from([0, 0, 0]))).toThrow(/truncated frame header/);
    expect(() => parseGrpcWebBody(trailerFrame("no colon here"))).toThrow(/malformed trailer/);
    expect(() => parseGrpcWebBody(Buffer.concat([trailerFrame("grpc-status: 0\r\n"), frameGrpcMessage(Buffer.from("x"))]))).toThrow(
      /after the trailer/,
    );
  });
});
