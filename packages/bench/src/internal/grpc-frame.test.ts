import { describe, expect, it } from "vitest";
import { frameGrpcMessage, GrpcFrameCounter, repeatFrames, splitGrpcFrames } from "./grpc-frame.js";

describe("gRPC framing", () => {
  it("prefixes a message with the uncompressed flag and its big-endian length", () => {
    const framed = frameGrpcMessage(new Uint8Array([7, 8, 9]));
    expect([...framed]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });

  it("splits concatenated frames and keeps a partial tail", () => {
    const a = frameGrpcMessage(new Uint8Array([1, 2]));
    const b = frameGrpcMessage(new Uint8Array(300).fill(5));
    const data = Buffer.concat([a, b, b.subarray(0, 7)]);
    const { messages, rest } = splitGrpcFrames(data);
    expect(messages.map((m) => m.length)).toEqual([2, 300]);
    expect(messages[1]!.every((x) => x === 5)).toBe(true);
    expect(rest.length).toBe(7);
  });

  it("refuses compressed frames", () => {
    expect(() => splitGrpcFrames(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
  });

  it("repeats a frame back to back", () => {
    const framed = frameGrpcMessage(new Uint8Array([4, 2]));
    const chunk = repeatFrames(framed, 3);
    expect(chunk.length).toBe(21);
    expect(splitGrpcFrames(chunk).messages.length).toBe(3);
  });
});

describe("GrpcFrameCounter", () => {
  const frames = Buffer.concat([
    frameGrpcMessage(new Uint8Array(98).fill(1)),
    frameGrpcMessage(new Uint8Array(0)),
    frameGrpcMessage(new Uint8Array(70_000).fill(2)),
    frameGrpcMessage(new Uint8Array([3])),
  ]);

  it("counts messages whatever the chunk boundaries", () => {
    for (const size of [1, 2, 4, 5, 6, 97, 103, 4096, frames.length]) {
      const counter = new GrpcFrameCounter();
      for (let i = 0; i < frames.length; i += size) counter.push(frames.subarray(i, i + size));
      expect({ size, messages: counter.messages, boundary: counter.atBoundary }).toEqual({ size, messages: 4, boundary: true });
    }
  });

  it("does not count a frame that has not fully arrived", () => {
    const counter = new GrpcFrameCounter();
    counter.push(frames.subarray(0, 103 + 5 + 10));
    expect(counter.messages).toBe(2);
    expect(counter.atBoundary).toBe(false);
  });
});
