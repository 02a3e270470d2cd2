import { describe, expect, it } from "vitest";
import { encodeMessage, MessageDecoder } from "./framing.js";

function decodeAll(decoder: MessageDecoder, chunks: Buffer[]): { body: string; compressed: boolean }[] {
  const out: { body: string; compressed: boolean }[] = [];
  for (const chunk of chunks) {
    const err = decoder.push(chunk, { onFrame: (body, compressed) => out.push({ body: body.toString(), compressed }) });
    expect(err).toBeUndefined();
  }
  return out;
}

describe("MessageDecoder", () => {
  const wire = Buffer.concat([
    encodeMessage(Buffer.from("hello")),
    encodeMessage(Buffer.from("")),
    encodeMessage(Buffer.from("world!"), true),
  ]);

  it("decodes messages in one chunk", () => {
    const decoder = new MessageDecoder(-1);
    expect(decodeAll(decoder, [wire])).toEqual([
      { body: "hello", compressed: false },
      { body: "", compressed: false },
      { body: "world!", compressed: true },
    ]);
    expect(decoder.partial).toBe(false);
  });

  it("joins messages split at every possible byte boundary", () => {
    for (let size = 1; size <= wire.length; size++) {
      const decoder = new MessageDecoder(-1);
      const chunks: Buffer[] = [];
      for (let i = 0; i < wire.length; i += size) chunks.push(wire.subarray(i, i + size));
      expect(decodeAll(decoder, chunks).map((m) => m.body)).toEqual(["hello", "", "world!"]);
      expect(decoder.partial).toBe(false);
    }
  });

  it("reports a partial message in the prefix and in the body", () => {
    const inPrefix = new MessageDecoder(-1);
    decodeAll(inPrefix, [wire.subarray(0, 3)]);
    expect(inPrefix.partial).toBe(true);
    const inBody = new MessageDecoder(-1);
    decodeAll(inBody, [wire.subarray(0, 7)]);
    expect(inBody.partial).toBe(true);
  });

  it("refuses a message over the limit from its prefix alone", () => {
    const decoder = new MessageDecoder(4);
    const seen: Buffer[] = [];
    const err = decoder.push(encodeMessage(Buffer.from("hello")).subarray(0, 5), { onFrame: (b) => seen.push(b) });
    expect(err).toEqual({ kind: "too-large", length: 5 });
    expect(seen).toEqual([]);
    expect(decoder.push(encodeMessage(Buffer.from("x")), { onFrame: (b) => seen.push(b) })).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it("refuses an unknown flag byte", () => {
    const frame = encodeMessage(Buffer.from("x"));
    frame[0] = 2;
    expect(new MessageDecoder(-1).push(frame, { onFrame: () => {} })).toEqual({ kind: "bad-flag", length: 1 });
  });
});

describe("encodeMessage", () => {
  it("writes the flag and the big-endian length", () => {
    const frame = encodeMessage(new Uint8Array(300), true);
    expect([...frame.subarray(0, 5)]).toEqual([1, 0, 0, 1, 44]);
    expect(frame.length).toBe(305);
  });
});
