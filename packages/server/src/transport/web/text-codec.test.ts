import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Base64DecodeError, Base64StreamDecoder, encodeBase64 } from "./text-codec.js";

const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1");

function decodeAll(chunks: string[]): Buffer {
  const decoder = new Base64StreamDecoder();
  const parts = chunks.map((chunk) => decoder.push(ascii(chunk)));
  parts.push(decoder.end());
  return Buffer.concat(parts);
}

describe("Base64StreamDecoder", () => {
  it("decodes any split of a body into the same bytes", () => {
    const bytes = randomBytes(1000);
    const text = bytes.toString("base64");
    for (let split = 0; split <= text.length; split += 7) {
      expect(decodeAll([text.slice(0, split), text.slice(split)])).toEqual(bytes);
    }
    // One character at a time, every padding length.
    for (const size of [0, 1, 2, 3, 4, 5]) {
      const small = randomBytes(size);
      expect(decodeAll([...small.toString("base64")])).toEqual(small);
    }
  });

  it("decodes padding between independently encoded pieces", () => {
    const pieces = [randomBytes(1), randomBytes(2), randomBytes(3), randomBytes(5)];
    const text = pieces.map((piece) => piece.toString("base64")).join("");
    expect(text).toMatch(/==.*=.*=/);
    expect(decodeAll([text])).toEqual(Buffer.concat(pieces));
    // The same, with chunk borders falling between the two "=" of a padded quad.
    const padded = text.indexOf("=");
    expect(decodeAll([text.slice(0, padded + 1), text.slice(padded + 1)])).toEqual(Buffer.concat(pieces));
  });

  it("accepts an unpadded final quad", () => {
    expect(decodeAll(["QUJD", "QQ"])).toEqual(Buffer.from("ABCA"));
    expect(decodeAll(["QUI"])).toEqual(Buffer.from("AB"));
  });

  it.each([
    ["a character outside the alphabet", ["QUJD", "Q*=="], 5, "byte 0x2a"],
    ["whitespace", ["QU JD"], 2, "byte 0x20"],
    ["url-safe base64", ["-_-_"], 0, "byte 0x2d"],
    ["'=' too early in a quad", ["Q==="], 1, '"=" after 1 character'],
    ["data where the second '=' belongs", ["QQ=", "A"], 3, 'expected "="'],
  ])("rejects %s with its position", (_name, chunks, offset, detail) => {
    const decoder = new Base64StreamDecoder();
    let error: unknown;
    try {
      for (const chunk of chunks) decoder.push(ascii(chunk));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Base64DecodeError);
    expect((error as Base64DecodeError).offset).toBe(offset);
    expect((error as Error).message).toContain(detail);
  });

  it("rejects a body that ends mid-quad or mid-padding", () => {
    const single = new Base64StreamDecoder();
    single.push(ascii("QUJDQ"));
    expect(() => single.end()).toThrow(/single character/);
    const halfPadded = new Base64StreamDecoder();
    halfPadded.push(ascii("QQ="));
    expect(() => halfPadded.end()).toThrow(/inside padding/);
  });

  it("returns only the bytes each chunk completes", () => {
    const decoder = new Base64StreamDecoder();
    expect(decoder.push(ascii("QU"))).toHaveLength(0);
    expect(Buffer.from(decoder.push(ascii("JDRA")))).toEqual(Buffer.from("ABC"));
    expect(Buffer.from(decoder.end())).toEqual(Buffer.from("D"));
  });
});

describe("encodeBase64", () => {
  it("encodes a view of a larger buffer exactly, with its own padding", () => {
    const backing = Buffer.from("xxABCDyy");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 4);
    expect(encodeBase64(view)).toBe("QUJDRA==");
    // Writes encoded one by one decode back to their concatenation.
    const frames = [randomBytes(5), randomBytes(7), randomBytes(9)];
    expect(decodeAll(frames.map(encodeBase64))).toEqual(Buffer.concat(frames));
  });
});
