// The limit: a bare node:http2 server doing the same GetUser work as every other configuration
// (read and decode the framed request, encode the User with @org/api, answer with a gRPC
// response and trailers), and nothing else: no routing table, no metadata, no deadlines. It also
// holds WatchUsers streams open and idle (response headers sent, nothing else) until the client
// cancels, for the floor of the idle-stream memory suite.
// Every other path gets a trailers-only UNIMPLEMENTED, a non-gRPC content-type HTTP 415. Only
// the 'stream' event is used (no compatibility request objects).
import {
  createServer,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { GetUserRequest, GetUserResponse } from "@org/api/org/users/v1";
import { unaryResponse } from "../internal/fixtures.js";
import { frameGrpcMessage } from "../internal/grpc-frame.js";
import { isExpectedUnaryRequest, type WorkCounters } from "../internal/workload.js";
import type { RunningServer } from "./running-server.js";

const GET_USER = "/org.users.v1.UsersService/GetUser";
const WATCH_USERS = "/org.users.v1.UsersService/WatchUsers";
const INVALID_ARGUMENT = "3";
const UNIMPLEMENTED = "12";

function trailersOnly(stream: ServerHttp2Stream, status: string, message: string): void {
  stream.respond(
    { ":status": 200, "content-type": "application/grpc", "grpc-status": status, "grpc-message": encodeURIComponent(message) },
    { endStream: true },
  );
}

/**
 * Work added around each GetUser answer (http2-bare-defaults.ts): the response headers and
 * trailers to send, and what to do once the answer is written.
 */
export interface CallWork {
  start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): WorkedCall;
}
export interface WorkedCall {
  responseHeaders(): OutgoingHttpHeaders;
  trailers(): OutgoingHttpHeaders;
  /** Runs the handler's part of the call (encoding the answer and writing it), e.g. inside a span's context. */
  run(answer: () => void): void;
  /** The response and its trailers are queued. */
  answered(): void;
}

function getUser(stream: ServerHttp2Stream, counters: WorkCounters, call: WorkedCall | undefined): void {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("error", () => {}); // a reset stream is the client's business
  stream.on("end", () => {
    if (stream.destroyed) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
    if (length < 0 || body[0] !== 0 || body.length !== 5 + length) {
      counters.unaryBadRequest++;
      trailersOnly(stream, INVALID_ARGUMENT, "expected one uncompressed message");
      return;
    }
    let request: GetUserRequest;
    try {
      request = GetUserRequest.decode(body.subarray(5));
    } catch {
      counters.unaryBadRequest++;
      trailersOnly(stream, INVALID_ARGUMENT, "request does not decode as GetUserRequest");
      return;
    }
    if (isExpectedUnaryRequest(request.id)) counters.unaryOk++;
    else counters.unaryBadRequest++;
    if (call === undefined) {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frameGrpcMessage(GetUserResponse.encode(unaryResponse).finish()));
      return;
    }
    call.run(() => {
      stream.respond(call.responseHeaders(), { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(call.trailers()));
      stream.end(frameGrpcMessage(GetUserResponse.encode(unaryResponse).finish()));
    });
    call.answered();
  });
}

/** An idle WatchUsers stream: headers answered, then nothing until the client cancels it. */
function watchUsers(stream: ServerHttp2Stream, counters: WorkCounters): void {
  stream.on("error", () => {});
  stream.resume(); // the request (one small message) is not needed
  stream.respond({ ":status": 200, "content-type": "application/grpc" });
  counters.openWatches++;
  stream.once("close", () => counters.openWatches--);
}

export async function startHttp2Bare(counters: WorkCounters, work?: CallWork): Promise<RunningServer> {
  const server = createServer();
  server.on("stream", (stream, headers) => {
    const contentType = String(headers["content-type"] ?? "");
    if (headers[":method"] !== "POST" || !/^application\/grpc(\+proto)?(;|$)/.test(contentType)) {
      stream.respond({ ":status": 415 }, { endStream: true });
      return;
    }
    if (headers[":path"] === GET_USER) getUser(stream, counters, work?.start(stream, headers));
    else if (headers[":path"] === WATCH_USERS) watchUsers(stream, counters);
    else trailersOnly(stream, UNIMPLEMENTED, `${headers[":path"]} is not served here`);
  });
  server.on("sessionError", () => {});
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.close();
        server.close(() => resolve());
      }),
  };
}
