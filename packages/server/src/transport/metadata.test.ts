import { describe, expect, it } from "vitest";
import { addMetadataHeaders, RequestMetadata, rawHeaderListBytes } from "./metadata.js";

describe("RequestMetadata.fromHeaders", () => {
  it("keeps custom metadata, decodes -bin values and hides protocol headers", () => {
    const metadata = RequestMetadata.fromHeaders({
      ":path": "/a.B/C",
      ":method": "POST",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": "1S",
      "grpc-encoding": "gzip",
      "grpc-accept-encoding": "gzip",
      "user-agent": "grpc-test",
      "x-tenant": "acme",
      "trace-bin": "AQID,BAU",
    });
    expect([...metadata.entries.keys()].sort()).toEqual(["trace-bin", "user-agent", "x-tenant"]);
    expect(metadata.get("x-tenant")).toEqual(["acme"]);
    expect(metadata.get("trace-bin")).toEqual([Buffer.from([1, 2, 3]), Buffer.from([4, 5])]);
    expect(metadata.get("missing")).toEqual([]);
    expect(metadata.getMap()["x-tenant"]).toBe("acme");
  });

  it("reads the same after compacted()", () => {
    const headers = { ":path": "/a.B/C", te: "trailers", "x-tenant": "acme", "x-a": ["1", "2"], "trace-bin": "AQID" } as never;
    const size = RequestMetadata.fromHeaders(headers).byteSize();
    const metadata = RequestMetadata.fromHeaders(headers).compacted();
    expect([...metadata.entries.keys()].sort()).toEqual(["trace-bin", "x-a", "x-tenant"]);
    expect(metadata.get("x-a")).toEqual(["1", "2"]);
    expect(metadata.get("te")).toEqual([]);
    expect(metadata.get("trace-bin")).toEqual([Buffer.from([1, 2, 3])]);
    expect(metadata.byteSize()).toBe(size);
  });

  it("compacts every request without metadata to one shared empty instance", () => {
    const a = RequestMetadata.fromHeaders({ ":path": "/a.B/C", te: "trailers" } as never).compacted();
    const b = RequestMetadata.fromHeaders({ ":path": "/a.B/D", "content-type": "application/grpc" } as never).compacted();
    expect(b).toBe(a);
    expect(a.entries.size).toBe(0);
    expect(a.get("te")).toEqual([]);
    expect(a.byteSize()).toBe(0);
  });

  it("keeps every value of a repeated header", () => {
    const metadata = RequestMetadata.fromHeaders({ "x-a": ["1", "2"] } as never);
    expect(metadata.get("x-a")).toEqual(["1", "2"]);
  });
});

describe("RequestMetadata lookups", () => {
  it("reads one key without building the map, hiding protocol headers the same way", () => {
    const metadata = new RequestMetadata({ ":path": "/a.B/C", "grpc-timeout": "1S", "x-id": "7", "k-bin": "AQ" });
    expect(metadata.get("x-id")).toEqual(["7"]);
    expect(metadata.get("k-bin")).toEqual([Buffer.from([1])]);
    expect(metadata.get("grpc-timeout")).toEqual([]);
    expect(metadata.get(":path")).toEqual([]);
  });

  it("sizes the metadata as HTTP/2 counts it, protocol headers left out", () => {
    const metadata = new RequestMetadata({ ":path": "/a.B/C", te: "trailers", "x-id": "7", "x-many": ["a", "bc"] } as never);
    expect(metadata.byteSize()).toBe(4 + 1 + 32 + (6 + 1 + 32) + (6 + 2 + 32));
  });
});

describe("addMetadataHeaders", () => {
  it("encodes -bin values as base64 and appends repeated keys", () => {
    const headers: Record<string, string | string[]> = {};
    addMetadataHeaders(headers, [
      ["x-id", ["a", "b"]],
      ["blob-bin", [new Uint8Array([255, 0])]],
    ]);
    addMetadataHeaders(headers, [["x-id", ["c"]]]);
    expect(headers).toEqual({ "x-id": ["a", "b", "c"], "blob-bin": "/wA=" });
  });

  it("drops reserved keys, invalid names and values HTTP/2 cannot carry", () => {
    const headers: Record<string, string> = {};
    const dropped: string[] = [];
    addMetadataHeaders(
      headers,
      [
        ["grpc-status", ["0"]],
        ["bad key", ["x"]],
        ["x-newline", ["a\nb"]],
        ["x-ok", ["fine"]],
      ],
      (key) => dropped.push(key),
    );
    expect(headers).toEqual({ "x-ok": "fine" });
    expect(dropped).toEqual(["grpc-status", "bad key", "x-newline"]);
  });
});

describe("rawHeaderListBytes and within", () => {
  it("bounds the metadata's size by the whole raw list, and counts exactly only above it", () => {
    const raw = [":path", "/a.B/C", "te", "trailers", "x-id", "7"];
    expect(rawHeaderListBytes(raw)).toBe(5 + 6 + 32 + (2 + 8 + 32) + (4 + 1 + 32));
    const metadata = new RequestMetadata({ ":path": "/a.B/C", te: "trailers", "x-id": "7" }, rawHeaderListBytes(raw));
    expect(metadata.byteSize()).toBe(4 + 1 + 32);
    expect(metadata.within(37)).toBe(true);
    expect(metadata.within(36)).toBe(false);
    expect(metadata.within(rawHeaderListBytes(raw))).toBe(true);
  });
});
