// Child process: the streaming and idle-stream load generator, on raw node:http2 so that it
// costs little next to the server under test. It respects backpressure both ways: it writes a
// client stream only while the HTTP/2 stream accepts data, and reads server streams as they
// arrive (HTTP/2 flow control then paces the server).
// Usage (by the harness): node dist/load-main.js
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { BulkCreateUsersRequest, BulkCreateUsersResponse, StreamUsersRequest, WatchUsersRequest } from "@org/api/org/users/v1";
import { fail, send, serveRequests } from "./internal/child-side.js";
import { smallUser } from "./internal/fixtures.js";
import { frameGrpcMessage, GrpcFrameCounter, repeatFrames, splitGrpcFrames } from "./internal/grpc-frame.js";
import { streamRequestQuery } from "./internal/workload.js";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = constants;
const SERVICE = "/org.users.v1.UsersService";

function headers(method: string) {
  return {
    [HTTP2_HEADER_METHOD]: "POST",
    [HTTP2_HEADER_PATH]: `${SERVICE}/${method}`,
    [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    [HTTP2_HEADER_TE]: "trailers",
  };
}

async function openSession(port: number): Promise<ClientHttp2Session> {
  const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 1 << 20 } });
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.on("error", () => {});
  return session;
}

interface StreamOutcome {
  messages: number;
  grpcStatus: string | undefined;
}

/** Reads one response stream to its end, counting messages; resolves the gRPC status. */
function readStream(stream: ClientHttp2Stream, onData?: (chunk: Buffer) => void): Promise<StreamOutcome> {
  const counter = new GrpcFrameCounter();
  let grpcStatus: string | undefined;
  return new Promise((resolve) => {
    stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) grpcStatus = String(h["grpc-status"]); // trailers-only
    });
    stream.on("trailers", (t) => {
      grpcStatus = t["grpc-status"] === undefined ? grpcStatus : String(t["grpc-status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      counter.push(chunk);
      onData?.(chunk);
    });
    stream.on("error", () => {});
    stream.on("close", () => resolve({ messages: counter.messages, grpcStatus }));
  });
}

export interface ServerStreamRequest {
  type: "server-stream";
  port: number;
  streams: number;
  messagesPerStream: number;
  timeoutMs: number;
}

export interface ServerStreamResult {
  type: "result";
  messages: number;
  okStreams: number;
  elapsedMs: number;
  cpuUs: number;
}

async function serverStream(run: ServerStreamRequest): Promise<ServerStreamResult> {
  // One connection per stream, as separate clients would have.
  const sessions = await Promise.all(Array.from({ length: run.streams }, () => openSession(run.port)));
  const body = frameGrpcMessage(
    StreamUsersRequest.encode({ filter: { role: 0, query: streamRequestQuery(run.messagesPerStream), tags: [] } }).finish(),
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const timer = setTimeout(() => {
    for (const s of sessions) s.destroy();
  }, run.timeoutMs);
  const outcomes = await Promise.all(
    sessions.map((session) => {
      const stream = session.request(headers("StreamUsers"));
      stream.end(body);
      return readStream(stream);
    }),
  );
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(timer);
  for (const s of sessions) s.close();
  return {
    type: "result",
    messages: outcomes.reduce((n, o) => n + o.messages, 0),
    okStreams: outcomes.filter((o) => o.grpcStatus === "0" && o.messages === run.messagesPerStream).length,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
  };
}

export interface ClientStreamRequest {
  type: "client-stream";
  port: number;
  messages: number;
  timeoutMs: number;
}

export interface ClientStreamResult {
  type: "result";
  /** Messages the server said it received (BulkCreateUsersResponse.createdCount). */
  messages: number;
  ok: boolean;
  elapsedMs: number;
  cpuUs: number;
}

/** Resolves on 'drain' or 'close', whichever comes first, leaving no listener behind. */
function drainOrClose(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/** Messages per write: one write(2)-sized chunk instead of one tiny write per message. */
const FRAMES_PER_WRITE = 64;

async function clientStream(run: ClientStreamRequest): Promise<ClientStreamResult> {
  const session = await openSession(run.port);
  const framed = frameGrpcMessage(BulkCreateUsersRequest.encode({ user: smallUser, requestId: "" }).finish());
  const chunk = repeatFrames(framed, FRAMES_PER_WRITE);
  const timer = setTimeout(() => session.destroy(), run.timeoutMs);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stream = session.request(headers("BulkCreateUsers"));
  const response: Buffer[] = [];
  const done = readStream(stream, (c) => response.push(c));
  let sent = 0;
  while (sent < run.messages && !stream.destroyed) {
    const n = Math.min(FRAMES_PER_WRITE, run.messages - sent);
    const ok = stream.write(n === FRAMES_PER_WRITE ? chunk : chunk.subarray(0, n * framed.length));
    sent += n;
    if (!ok) await drainOrClose(stream);
  }
  stream.end();
  const outcome = await done;
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(timer);
  session.close();
  const message = splitGrpcFrames(Buffer.concat(response)).messages[0];
  const createdCount = message === undefined ? 0 : BulkCreateUsersResponse.decode(message).createdCount;
  return {
    type: "result",
    messages: createdCount,
    ok: outcome.grpcStatus === "0" && createdCount === run.messages,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
  };
}

export interface OpenIdleRequest {
  type: "open-idle";
  port: number;
  streams: number;
  connections: number;
}

const idle: { sessions: ClientHttp2Session[]; streams: ClientHttp2Stream[] } = { sessions: [], streams: [] };

async function openIdle(run: OpenIdleRequest): Promise<object> {
  // Connections stay open between calls, so that a baseline taken in between includes them.
  if (idle.sessions.length === 0) {
    idle.sessions = await Promise.all(Array.from({ length: run.connections }, () => openSession(run.port)));
  }
  const sessions = idle.sessions;
  const body = frameGrpcMessage(WatchUsersRequest.encode({}).finish());
  let failed = 0;
  for (let i = 0; i < run.streams; i++) {
    const stream = sessions[i % sessions.length]!.request(headers("WatchUsers"));
    stream.on("error", () => failed++);
    stream.end(body);
    idle.streams.push(stream);
  }
  return { type: "opened", streams: run.streams, failed };
}

async function closeIdleStreams(): Promise<object> {
  for (const s of idle.streams) s.close(constants.NGHTTP2_CANCEL);
  idle.streams = [];
  return { type: "closed" };
}

async function closeIdle(): Promise<object> {
  await closeIdleStreams();
  for (const s of idle.sessions) s.close();
  idle.sessions = [];
  return { type: "closed" };
}

async function main() {
  serveRequests(
    async (message) => {
      switch (message.type) {
        case "server-stream":
          return serverStream(message as unknown as ServerStreamRequest);
        case "client-stream":
          return clientStream(message as unknown as ClientStreamRequest);
        case "open-idle":
          return openIdle(message as unknown as OpenIdleRequest);
        case "close-idle-streams":
          return closeIdleStreams();
        case "close-idle":
          return closeIdle();
        default:
          throw new Error(`unexpected message ${message.type}`);
      }
    },
    async () => {
      await closeIdle();
    },
  );
  send({ type: "ready" });
}

main().catch((err: unknown) => {
  fail(err);
  setTimeout(() => process.exit(1), 100);
});
