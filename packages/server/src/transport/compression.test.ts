import { deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decompress, type InflateResult, requestEncoding, responseEncoding, unsupportedEncodingMessage } from "./compression.js";

const inflate = async (encoding: "gzip" | "deflate" | "identity", body: Buffer, max: number): Promise<InflateResult> =>
  decompress(encoding, body, max);

describe("compression", () => {
  it("knows identity, gzip and deflate only", () => {
    expect(requestEncoding(undefined)).toBe("identity");
    expect(requestEncoding("gzip")).toBe("gzip");
    expect(requestEncoding("deflate")).toBe("deflate");
    expect(requestEncoding("snappy")).toBeUndefined();
    expect(unsupportedEncodingMessage("snappy")).toBe('grpc-encoding "snappy" is not supported; supported: identity,deflate,gzip');
  });

  it("answers compressed only when the client accepts the wanted encoding", () => {
    expect(responseEncoding("identity,deflate,gzip", "gzip")).toBe("gzip");
    expect(responseEncoding("identity, deflate", "gzip")).toBe("identity");
    expect(responseEncoding(undefined, "gzip")).toBe("identity");
    expect(responseEncoding("gzip", undefined)).toBe("identity");
  });

  it("inflates gzip and deflate (zlib) messages", async () => {
    const text = Buffer.from("hello ".repeat(100));
    expect(await inflate("gzip", gzipSync(text), 1000)).toEqual({ ok: true, body: text });
    expect(await inflate("deflate", deflateSync(text), 1000)).toEqual({ ok: true, body: text });
  });

  it("stops a zip bomb at the limit", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const result = await inflate("gzip", bomb, 1024 * 1024);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.tooLarge).toBe(true);
  });

  it("accepts a message of exactly the limit", async () => {
    const result = await inflate("gzip", gzipSync(Buffer.alloc(1000)), 1000);
    expect(result.ok).toBe(true);
  });

  it("refuses corrupt data and a compressed flag without an encoding", async () => {
    const corrupt = await inflate("gzip", Buffer.from("not gzip"), 1000);
    expect(corrupt.ok === false && !corrupt.tooLarge).toBe(true);
    const noEncoding = await inflate("identity", Buffer.from("x"), 1000);
    expect(noEncoding.ok).toBe(false);
  });
});
