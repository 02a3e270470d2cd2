import { describe, expect, it } from "vitest";
import { InvalidPageTokenError, PageTokenCodec } from "./page-token.js";
import { normalizeFilter } from "./store/filter.js";

const filter = normalizeFilter({ role: 1, query: "Ada", tags: ["b", "a"] });
const cursor = { createTimeMs: 1_700_000_000_123, id: "0190-abc" };

describe("PageTokenCodec", () => {
  const codec = new PageTokenCodec(Buffer.alloc(32, 7));

  it("round-trips the cursor for the same filter, however the filter's tags were ordered", () => {
    const token = codec.encode(filter, cursor);
    expect(codec.decode(token, normalizeFilter({ role: 1, query: "ada", tags: ["a", "b", "a"] }))).toEqual(cursor);
  });

  it("refuses a token with any character changed", () => {
    const token = codec.encode(filter, cursor);
    for (const i of [0, 5, token.indexOf(".") + 3, token.length - 1]) {
      // Flip to a neighbour in the alphabet: for the last character that touches only base64's spare bits.
      for (const c of ["A", "B"]) {
        if (token[i] === c) continue;
        const altered = token.slice(0, i) + c + token.slice(i + 1);
        expect(() => codec.decode(altered, filter)).toThrow(InvalidPageTokenError);
      }
    }
  });

  it("refuses a payload re-signed without the key", () => {
    const [body] = codec.encode(filter, cursor).split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? "", "base64url").toString()), t: 0 })).toString(
      "base64url",
    );
    expect(() => codec.decode(`${forged}.${"A".repeat(43)}`, filter)).toThrow(/altered or was not issued/);
  });

  it("refuses a token from another key (another deployment, or before a restart with a random key)", () => {
    const other = new PageTokenCodec(Buffer.alloc(32, 8));
    expect(() => codec.decode(other.encode(filter, cursor), filter)).toThrow(/not issued by this service/);
  });

  it("refuses a token issued for another filter", () => {
    const token = codec.encode(filter, cursor);
    expect(() => codec.decode(token, normalizeFilter(undefined))).toThrow(/different filter/);
  });

  it("refuses garbage", () => {
    for (const junk of ["", "abc", "a.b.c", "..", "not base64!.x"]) {
      expect(() => codec.decode(junk, filter), junk).toThrow(InvalidPageTokenError);
    }
  });

  it("requires a key of at least 32 bytes", () => {
    expect(() => new PageTokenCodec(Buffer.alloc(16))).toThrow(RangeError);
  });
});
