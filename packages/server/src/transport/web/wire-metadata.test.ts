import type { Metadata } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { metadataFromHeaders, metadataToPairs } from "./wire-metadata.js";

describe("metadataFromHeaders", () => {
  it("keeps application headers and leaves out transport ones", () => {
    const metadata = metadataFromHeaders({
      ":path": "/a.B/C",
      host: "127.0.0.1:1",
      connection: "keep-alive",
      "content-type": "application/grpc-web+proto",
      "content-length": "10",
      "grpc-timeout": "1S",
      "x-grpc-web": "1",
      authorization: "Bearer t",
      "x-multi": ["a", "b"],
      absent: undefined,
    });
    expect([...metadata]).toEqual([
      ["x-grpc-web", ["1"]],
      ["authorization", ["Bearer t"]],
      ["x-multi", ["a, b"]],
    ]);
  });

  it("decodes -bin values, comma-separated ones too, and drops values that are not base64", () => {
    const metadata = metadataFromHeaders({ "a-bin": "AQI=, Aw", "b-bin": "not base64!" });
    expect(metadata.getAll("a-bin").map((value) => [...(value as Uint8Array)])).toEqual([[1, 2], [3]]);
    expect(metadata.has("b-bin")).toBe(false);
  });
});

describe("metadataToPairs", () => {
  it("lowercases keys, base64-encodes binary values, skips what cannot be sent", () => {
    // A Map stands in for metadata that skipped nice-grpc's validation.
    const metadata = new Map<string, Array<string | Uint8Array>>([
      ["X-Id", ["1"]],
      ["raw-bin", [Uint8Array.of(255)]],
      ["content-type", ["text/html"]],
      ["newline", ["a\nb"]],
      ["utf8", ["é"]],
      ["text-bin", ["not bytes"]],
      ["binary-as-text", [Uint8Array.of(1)]],
    ]) as unknown as Metadata;
    expect(metadataToPairs(metadata)).toEqual([
      ["x-id", "1"],
      ["raw-bin", "/w=="],
    ]);
    expect(metadataToPairs(undefined)).toEqual([]);
  });
});
