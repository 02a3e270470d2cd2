import { Metadata, Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { encodeGrpcMessage } from "../status.js";
import { decodeTrailerFrame, encodeTrailerFrame, TRAILER_FLAG, TrailerFrameError } from "./trailer-frame.js";

describe("encodeTrailerFrame", () => {
  it("writes flag 0x80, the block length and an HTTP/1 header block", () => {
    const frame = Buffer.from(encodeTrailerFrame(Status.OK, ""));
    expect(frame[0]).toBe(TRAILER_FLAG);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect(frame.subarray(5).toString("latin1")).toBe("grpc-status: 0\r\n");
  });

  it("carries the message percent-encoded, lowercase keys and base64 -bin values", () => {
    const metadata = new Metadata();
    metadata.set("X-Request-Id", "r-1");
    metadata.append("trace-bin", Uint8Array.of(0, 255, 1));
    metadata.set("grpc-status-details-bin", Uint8Array.of(8, 3));
    const frame = Buffer.from(encodeTrailerFrame(Status.NOT_FOUND, "user 7 not found: 100% ✓", metadata));
    expect(frame.subarray(5).toString("latin1")).toBe(
      "grpc-status: 5\r\n" +
        "grpc-message: user 7 not found: 100%25 %E2%9C%93\r\n" +
        "grpc-status-details-bin: CAM=\r\n" +
        "x-request-id: r-1\r\n" +
        "trace-bin: AP8B\r\n",
    );
  });

  it("never lets metadata forge lines or override the status", () => {
    // nice-grpc's Metadata validates values; metadata built another way may not.
    const metadata = new Map<string, string[]>([
      ["evil", ["a\r\ngrpc-status: 0"]],
      ["grpc-status", ["0"]],
      ["grpc-message", ["fine"]],
      ["bad key", ["x"]],
      ["ok", ["kept"]],
    ]) as unknown as Metadata;
    const decoded = decodeTrailerFrame(encodeTrailerFrame(Status.INTERNAL, "boom", metadata));
    expect(decoded.code).toBe(Status.INTERNAL);
    expect(decoded.message).toBe("boom");
    expect([...decoded.metadata]).toEqual([["ok", ["kept"]]]);
  });
});

describe("decodeTrailerFrame", () => {
  it("round-trips status, message and metadata", () => {
    const metadata = new Metadata();
    metadata.set("x-request-id", "abc");
    metadata.append("blob-bin", Uint8Array.of(1, 2, 3));
    metadata.append("blob-bin", Uint8Array.of(4));
    const decoded = decodeTrailerFrame(encodeTrailerFrame(Status.INVALID_ARGUMENT, "bad: é\n", metadata));
    expect(decoded.code).toBe(Status.INVALID_ARGUMENT);
    expect(decoded.message).toBe("bad: é\n");
    expect(decoded.metadata.get("x-request-id")).toBe("abc");
    expect(decoded.metadata.getAll("blob-bin").map((value) => [...(value as Uint8Array)])).toEqual([[1, 2, 3], [4]]);
  });

  it("reads comma-joined -bin values and mixed-case keys as other servers send them", () => {
    const block = Buffer.from("Grpc-Status: 0\r\nX-Trace-Bin: AQ==, Ag==\r\n", "latin1");
    const frame = Buffer.concat([Buffer.from([0x80, 0, 0, 0, block.length]), block]);
    const decoded = decodeTrailerFrame(frame);
    expect(decoded.code).toBe(0);
    expect(decoded.metadata.getAll("x-trace-bin").map((value) => [...(value as Uint8Array)])).toEqual([[1], [2]]);
  });

  it.each([
    ["a data frame", Buffer.from([0, 0, 0, 0, 0]), /flag 0x80 unset/],
    ["a compressed trailer", Buffer.from([0x81, 0, 0, 0, 0]), /compressed/],
    ["a short frame", Buffer.from([0x80, 0, 0]), /shorter/],
    ["a length that lies", Buffer.from([0x80, 0, 0, 0, 9, 0x61]), /says 9 bytes but holds 1/],
    ["no status", Buffer.concat([Buffer.from([0x80, 0, 0, 0, 5]), Buffer.from("a: b\r")]), /without grpc-status/],
    ["a line without colon", Buffer.concat([Buffer.from([0x80, 0, 0, 0, 3]), Buffer.from("abc")]), /malformed/],
  ])("rejects %s", (_name, frame, message) => {
    expect(() => decodeTrailerFrame(frame)).toThrow(TrailerFrameError);
    expect(() => decodeTrailerFrame(frame)).toThrow(message);
  });
});

describe("encodeGrpcMessage", () => {
  it("leaves printable ASCII alone and encodes %, controls and UTF-8", () => {
    expect(encodeGrpcMessage("plain text ~!")).toBe("plain text ~!");
    expect(encodeGrpcMessage("50%\t")).toBe("50%25%09");
    expect(decodeURIComponent(encodeGrpcMessage("日本"))).toBe("日本");
  });
});
