// The gRPC-Web wire format of our own fetch transport: frames split anywhere, the trailer frame,
// trailers-only responses, HTTP statuses without grpc-status, and bodies that end too early, first
// on bytes and then over real HTTP on 127.0.0.1 (a raw node:http server writing exactly those bytes).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ClientError, Metadata, Status } from "nice-grpc-common";
import { afterEach, describe, expect, it } from "vitest";
import { fetchCall } from "../src/internal/fetch-call.js";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  fromBase64,
  metadataToHeaders,
  parseHeaderBlock,
  readStatus,
  statusFromHttp,
  toBase64,
} from "../src/internal/grpc-web.js";

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);

function trailerFrame(block: string): Uint8Array {
  const payload = text(block);
  const frame = encodeFrame(payload);
  frame[0] = 0x80;
  return frame;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const describeFrames = (frames: Frame[]) =>
  frames.map((f) =>
    f.trailer ? { trailer: Object.fromEntries([...f.data].map(([k, v]) => [k, v.map(String)])) } : { message: [...f.data] },
  );

describe("frames", () => {
  const body = concat(
    encodeFrame(bytes(1, 2, 3)),
    encodeFrame(bytes()),
    encodeFrame(bytes(...Array.from({ length: 300 }, (_, i) => i % 256))),
    trailerFrame("grpc-status: 0\r\ngrpc-message: \r\nx-request-id: r1\r\n"),
  );
  const expected = describeFrames(new FrameReader().push(body));

  it("encodes a message as flag 0, big-endian length, payload", () => {
    expect([...encodeFrame(bytes(7, 8))]).toEqual([0, 0, 0, 0, 2, 7, 8]);
    expect([...encodeFrame(new Uint8Array(258)).subarray(0, 5)]).toEqual([0, 0, 0, 1, 2]);
  });

  it("reads the same frames whatever byte boundary the body is split at", () => {
    expect(expected).toHaveLength(4);
    expect(expected[3]).toEqual({ trailer: { "grpc-status": ["0"], "grpc-message": [""], "x-request-id": ["r1"] } });
    for (let cut = 0; cut <= body.length; cut++) {
      const reader = new FrameReader();
      const frames = [...reader.push(body.subarray(0, cut)), ...reader.push(body.subarray(cut))];
      reader.end();
      expect(describeFrames(frames), `split at ${cut}`).toEqual(expected);
    }
    const reader = new FrameReader();
    const oneByOne = [...body].flatMap((b) => reader.push(bytes(b)));
    reader.end();
    expect(describeFrames(oneByOne)).toEqual(expected);
  });

  it("refuses a body that ends inside a frame, and a compressed message", () => {
    for (const cut of [1, 4, 5, 7, body.length - 1]) {
      const reader = new FrameReader();
      reader.push(body.subarray(0, cut));
      expect(() => reader.end(), `cut at ${cut}`).toThrow(/ended inside a frame/);
    }
    expect(() => new FrameReader().push(bytes(1, 0, 0, 0, 1, 9))).toThrow(/compressed/);
  });
});

describe("trailers and metadata", () => {
  it("parses a trailer block: lower-case keys, several values, -bin values in base64", () => {
    const trailers = parseHeaderBlock(
      text("Grpc-Status: 3\r\ngrpc-message: bad%20id%3A%20%C3%A9\r\nx-a: 1\r\nx-a: 2\r\nx-b-bin: AQID\r\n"),
    );
    expect(trailers.get("x-a")).toBe("1, 2");
    expect([...(trailers.get("x-b-bin") ?? [])]).toEqual([1, 2, 3]);
    const status = readStatus(trailers);
    expect(status.code).toBe(Status.INVALID_ARGUMENT);
    expect(status.message).toBe("bad id: é");
    expect(status.trailers.has("grpc-status")).toBe(false);
    expect(status.trailers.get("x-a")).toBe("1, 2");
    expect(() => parseHeaderBlock(text("no colon here\r\n"))).toThrow(/Malformed trailer line/);
  });

  it("keeps a grpc-message that is not percent-encoding, and refuses a missing or unknown grpc-status", () => {
    expect(readStatus(Metadata({ "grpc-status": "2", "grpc-message": "100% wrong" })).message).toBe("100% wrong");
    expect(() => readStatus(Metadata({ "grpc-message": "x" }))).toThrow(/without grpc-status/);
    expect(() => readStatus(Metadata({ "grpc-status": "17" }))).toThrow(/invalid grpc-status: 17/);
    expect(() => readStatus(Metadata({ "grpc-status": "1x" }))).toThrow(/invalid grpc-status/);
  });

  it("sends -bin metadata in base64 and reads it padded or not", () => {
    const headers = metadataToHeaders(Metadata({ "x-trace-bin": bytes(0xff, 0, 0x10, 0x20), "x-name": "ada" }));
    expect(headers.get("x-trace-bin")).toBe("/wAQIA==");
    expect(headers.get("x-name")).toBe("ada");
    expect([...fromBase64("/wAQIA")]).toEqual([0xff, 0, 0x10, 0x20]);
    expect(toBase64(bytes())).toBe("");
  });

  it("maps HTTP statuses without grpc-status as doc/http-grpc-status-mapping.md says", () => {
    const mapped = Object.fromEntries([400, 401, 403, 404, 429, 500, 502, 503, 504, 302].map((s) => [s, Status[statusFromHttp(s)]]));
    expect(mapped).toEqual({
      400: "INTERNAL",
      401: "UNAUTHENTICATED",
      403: "PERMISSION_DENIED",
      404: "UNIMPLEMENTED",
      429: "UNAVAILABLE",
      500: "UNKNOWN",
      502: "UNAVAILABLE",
      503: "UNAVAILABLE",
      504: "UNAVAILABLE",
      302: "UNKNOWN",
    });
  });
});

describe("a call over HTTP", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  /** A server that answers every request with `respond`; resolves to its base URL. */
  async function serve(respond: (res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>): Promise<string> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        void respond(res, req);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function call(url: string, signal = new AbortController().signal) {
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    const messages: number[][] = [];
    try {
      for await (const m of fetchCall({
        url,
        path: "/test.Service/Method",
        body: bytes(42),
        metadata: Metadata({ "x-bin": bytes(1, 2) }),
        signal,
        credentials: undefined,
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (t) => {
          trailer = t;
        },
      })) {
        messages.push([...m]);
      }
      return { messages, header, trailer, error: undefined };
    } catch (error) {
      return { messages, header, trailer, error: error as ClientError };
    }
  }

  it("posts one frame with the gRPC-Web headers, reads messages written byte by byte and the trailers", async () => {
    let seen: http.IncomingHttpHeaders = {};
    const url = await serve(async (res, req) => {
      seen = req.headers;
      res.writeHead(200, { "content-type": "application/grpc-web+proto", "x-header": "h" });
      const body = concat(encodeFrame(bytes(5, 6)), encodeFrame(bytes(7)), trailerFrame("grpc-status: 0\r\nx-t: t\r\n"));
      for (const b of body) {
        res.write(bytes(b));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const result = await call(url);
    expect(result.error).toBeUndefined();
    expect(result.messages).toEqual([[5, 6], [7]]);
    expect(result.header?.get("x-header")).toBe("h");
    expect(result.trailer?.get("x-t")).toBe("t");
    expect(seen["content-type"]).toBe("application/grpc-web+proto");
    expect(seen["x-grpc-web"]).toBe("1");
    expect(seen["x-bin"]).toBe("AQI=");
  });

  it("fails with the trailers' status and percent-decoded message, and reads a trailers-only response", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.end(trailerFrame("grpc-status: 5\r\ngrpc-message: user%20u1%20not%20found\r\n"));
    });
    const result = await call(url);
    expect(result.error).toBeInstanceOf(ClientError);
    expect([result.error?.code, result.error?.details]).toEqual([Status.NOT_FOUND, "user u1 not found"]);

    const only = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto", "grpc-status": "7", "grpc-message": "no%21", "x-why": "w" });
      res.end();
    });
    const trailersOnly = await call(only);
    expect([trailersOnly.error?.code, trailersOnly.error?.details]).toEqual([Status.PERMISSION_DENIED, "no!"]);
    expect(trailersOnly.trailer?.get("x-why")).toBe("w");
    expect(trailersOnly.header).toBeUndefined();
  });

  it("maps an HTTP error without grpc-status, with the start of its body", async () => {
    const url = await serve((res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("upstream down");
    });
    const result = await call(url);
    expect([result.error?.code, result.error?.details]).toEqual([Status.UNAVAILABLE, "Received HTTP 503 response: upstream down"]);
  });

  it("a body that ends inside a frame is INTERNAL, one without trailers UNKNOWN: neither hangs", async () => {
    const truncated = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.end(encodeFrame(bytes(1, 2, 3, 4)).subarray(0, 7));
    });
    const result = await call(truncated);
    expect([result.error?.code, result.error?.details]).toEqual([
      Status.INTERNAL,
      "Response body ended inside a frame (7 bytes of an incomplete frame)",
    ]);

    const noTrailers = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.end(encodeFrame(bytes(1)));
    });
    const missing = await call(noTrailers);
    expect(missing.messages).toEqual([[1]]);
    expect(missing.error?.code).toBe(Status.UNKNOWN);
    expect(missing.error?.details).toMatch(/closed without gRPC status/);
  });

  it("a connection cut mid-body fails the call instead of waiting", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.write(encodeFrame(bytes(9)).subarray(0, 3));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const result = await call(url);
    expect(result.error).toBeInstanceOf(ClientError);
    expect([Status.UNAVAILABLE, Status.INTERNAL]).toContain(result.error?.code);
  });

  it("aborting the signal cancels the fetch and the reader: AbortError, and the server sees the request end", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.write(encodeFrame(bytes(1)));
      res.on("close", closed);
    });
    const controller = new AbortController();
    const messages: number[][] = [];
    const error = await (async () => {
      for await (const m of fetchCall({
        url,
        path: "/test.Service/Method",
        body: bytes(),
        metadata: Metadata(),
        signal: controller.signal,
        credentials: undefined,
        onHeader: undefined,
        onTrailer: undefined,
      })) {
        messages.push([...m]);
        controller.abort();
      }
    })().catch((e: Error) => e);
    expect(messages).toEqual([[1]]);
    expect((error as Error).name).toBe("AbortError");
    await serverSawClose;
  });
});
