// A small gRPC-Web server (PROTOCOL-WEB, binary mode, HTTP/1.1) on 127.0.0.1:0 for the client's
// tests until @org/server serves gRPC-Web itself: each handler gets the decoded request, the request
// headers and an AbortSignal that fires when the client goes away, and answers with messages and a
// trailer frame (status, message, status details, custom trailers).
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { Any } from "nice-grpc-error-details";

export interface WebStatus {
  code: number;
  message: string;
  /** google.rpc.Status details as `[typeName, encodedMessage]`. */
  details?: Array<[string, Uint8Array]>;
  trailers?: Record<string, string>;
}

export class WebStatusError extends Error {
  constructor(readonly status: WebStatus) {
    super(status.message);
  }
}

export interface HandlerContext {
  headers: http.IncomingHttpHeaders;
  signal: AbortSignal;
}

type Handler = (request: any, context: HandlerContext) => Promise<object> | AsyncIterable<object>;

export interface WebTestServer extends AsyncDisposable {
  baseUrl: string;
  /** Request headers of every call, in order. */
  calls: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

function frame(payload: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

function statusDetailsBin(status: WebStatus): string | undefined {
  if (status.details === undefined) return undefined;
  const writer = new BinaryWriter();
  writer.uint32(8).int32(status.code);
  writer.uint32(18).string(status.message);
  for (const [type, value] of status.details) {
    writer.uint32(26).bytes(Any.encode(Any.fromPartial({ typeUrl: `type.googleapis.com/${type}`, value })).finish());
  }
  return Buffer.from(writer.finish()).toString("base64");
}

function trailerFrame(status: WebStatus): Buffer {
  const lines = [`grpc-status: ${status.code}`, `grpc-message: ${encodeURIComponent(status.message)}`];
  const details = statusDetailsBin(status);
  if (details !== undefined) lines.push(`grpc-status-details-bin: ${details}`);
  for (const [key, value] of Object.entries(status.trailers ?? {})) lines.push(`${key}: ${value}`);
  return frame(Buffer.from(`${lines.join("\r\n")}\r\n`), 0x80);
}

/** Starts the server with handlers keyed by method name of UsersService (`getUser`, `watchUsers`). */
export async function startWebServer(handlers: Record<string, Handler>): Promise<WebTestServer> {
  const byPath = new Map(
    Object.entries(UsersServiceDefinition.methods).map(([key, m]) => [`/${UsersServiceDefinition.fullName}/${m.name}`, { key, m }]),
  );
  const calls: WebTestServer["calls"] = [];
  const server = http.createServer(async (req, res) => {
    const path = req.url ?? "";
    calls.push({ path, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const entry = byPath.get(path);
    const handler = entry === undefined ? undefined : handlers[entry.key];
    res.writeHead(200, { "content-type": "application/grpc-web+proto", "x-request-id": `rid-${calls.length}` });
    const end = (status: WebStatus) => res.end(trailerFrame(status));
    if (entry === undefined || handler === undefined) return end({ code: 12, message: `unimplemented ${path}` });
    try {
      const request = entry.m.requestType.decode(body.subarray(5));
      const result = handler(request, { headers: req.headers, signal: controller.signal });
      const type = entry.m.responseType as { encode(m: object): { finish(): Uint8Array }; fromPartial(m: object): object };
      const encode = (message: object) => frame(type.encode(type.fromPartial(message)).finish());
      if (Symbol.asyncIterator in result) {
        for await (const message of result) {
          if (controller.signal.aborted) return;
          res.write(encode(message));
        }
      } else {
        res.write(encode(await result));
      }
      end({ code: 0, message: "" });
    } catch (error) {
      if (controller.signal.aborted) return;
      end(error instanceof WebStatusError ? error.status : { code: 13, message: String(error) });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { baseUrl: `http://127.0.0.1:${port}`, calls, close, [Symbol.asyncDispose]: close };
}
