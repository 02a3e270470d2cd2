/*
 * The server's one port: gRPC over HTTP/2, and gRPC-Web over HTTP/1.1 and HTTP/2. A front listener
 * takes each connection and hands it to Node's HTTP/2 server or to its HTTP/1 server: by ALPN with
 * TLS (`h2` or `http/1.1`), by the first bytes without (web/cleartext-listener.ts). HTTP/2 streams
 * arrive on the 'stream' path: `application/grpc` ones become `Http2Call`s, gRPC-Web ones and CORS
 * preflights go to web/web-call.ts through web/stream-exchange.ts, anything else to the
 * `httpHandler` (or 404/405/415). HTTP/1 requests are gRPC-Web, preflights, or the `httpHandler`'s.
 * One `SessionState` per HTTP/2 connection, and the gate every call passes before it exists: the
 * method path (UNIMPLEMENTED), `grpc-timeout` (INVALID_ARGUMENT when malformed) and
 * `grpc-encoding` (UNIMPLEMENTED listing what is supported).
 */
import { createServer as createHttp1Server, type Server as Http1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { constants, createServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { Server as NetServer, Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { type Encoding, requestEncoding, responseEncoding, unsupportedEncodingMessage } from "./compression.js";
import { type CallLimits, type CallMethod, Http2Call, type MethodCodec, type TransportCall } from "./http2-call.js";
import { type SessionOptions, SessionState } from "./session.js";
import { Code, httpRefusal, isGrpcContentType, setStatus } from "./status.js";
import { parseTimeout } from "./timeout.js";
import { createCleartextListener } from "./web/cleartext-listener.js";
import type { CorsPolicy } from "./web/cors.js";
import { streamExchange } from "./web/stream-exchange.js";
import { acceptWebCall, type CompatRequest, type CompatResponse, WEB_STREAMING_REFUSAL } from "./web/web-call.js";
import { type CallTracker, WebTransportCall } from "./web/web-transport-call.js";

/** A served method: how to code its messages and who runs a call of it. */
export interface TransportRoute {
  readonly codec: MethodCodec;
  /** The method takes a stream of requests (gRPC-Web cannot carry those). */
  readonly requestStream: boolean;
  /** Hands the new call to the runtime, which starts it (with `refusal` when the gate refused it). */
  attach(call: TransportCall, refusal: { code: number; details: string } | undefined): void;
}

/** An HTTP request that is neither gRPC nor gRPC-Web (HTTP/1.1, or HTTP/2 over TLS). */
export type HttpRequest = Pick<CompatRequest, "method" | "url" | "headers">;
/** The answer to an {@link HttpRequest}. */
export type HttpResponse = Pick<CompatResponse, "headersSent" | "setHeader" | "writeHead" | "write" | "end">;
/** Serves the requests of the port that are not calls (a web page, say). */
export type HttpHandler = (req: HttpRequest, res: HttpResponse) => void;

export interface Http2TransportOptions {
  /** PEM material for TLS; with `ca`, clients must present a certificate (unless not required). */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert: boolean };
  /** SETTINGS_MAX_CONCURRENT_STREAMS (`undefined`: HTTP/2 default, unlimited). */
  maxConcurrentStreams?: number;
  limits: CallLimits;
  session: SessionOptions;
  /** Cross-origin gRPC-Web calls; without it only same-origin pages and non-browser clients call. */
  cors?: CorsPolicy | undefined;
  /** Requests that are not calls; without it they get 404 (405/415 for a wrong gRPC request). */
  httpHandler?: HttpHandler | undefined;
}

/** Splits `host:port` (`[v6]:port` too). */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw new Error(`listen address ${JSON.stringify(address)}: expected host:port`);
  let host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`listen address ${JSON.stringify(address)}: bad port`);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host, port };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A trailers-only gRPC answer before any call exists. */
function respondStatus(stream: ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed) return;
  stream.on("error", () => {});
  const headers = setStatus({ [constants.HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" }, code, message);
  stream.respond(headers, { endStream: true });
  stream.resume();
}

/** An HTTP error for a request that is not gRPC: no gRPC status, a plain-text reason. */
function respondHttp(stream: ServerHttp2Stream, httpStatus: number, message: string): void {
  if (stream.destroyed) return;
  stream.on("error", () => {});
  stream.respond({ [constants.HTTP2_HEADER_STATUS]: httpStatus, "content-type": "text/plain; charset=utf-8" });
  stream.end(`${message}\n`);
  stream.resume();
}

/** What the gate decided about a call's headers. */
interface Admission {
  deadlineMs: number;
  encoding: Encoding;
  refusal: { code: number; details: string } | undefined;
}

/** `grpc-timeout` and `grpc-encoding`: the deadline, the request encoding, or why the call is refused. */
function admit(headers: Record<string, string | string[] | undefined>): Admission {
  let refusal: { code: number; details: string } | undefined;
  let deadlineMs = Infinity;
  const timeout = first(headers["grpc-timeout"]);
  if (timeout !== undefined) {
    const parsed = parseTimeout(timeout);
    // Whole ms, as grpc-js: a sub-millisecond timeout is spent on arrival.
    if (parsed.ok) deadlineMs = Date.now() + Math.floor(parsed.ms);
    else refusal = { code: Code.INVALID_ARGUMENT, details: parsed.message };
  }
  const encodingHeader = first(headers["grpc-encoding"]);
  let encoding = requestEncoding(encodingHeader);
  if (encoding === undefined) {
    refusal ??= { code: Code.UNIMPLEMENTED, details: unsupportedEncodingMessage(encodingHeader!) };
    encoding = "identity";
  }
  return { deadlineMs, encoding, refusal };
}

/** A gRPC-Web request or a CORS preflight (which web-call.ts answers), by method and content type. */
function isWebRequest(method: string | undefined, contentType: string | undefined, origin: unknown): boolean {
  if (method === "OPTIONS") return origin !== undefined;
  return contentType?.startsWith("application/grpc-web") === true;
}

function notFound(res: HttpResponse, message: string): void {
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
}

/** HTTP/1 connections: calls in flight per socket, so shutdown can close the idle ones. */
interface Http1Connection {
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
}

function onHeadersTimeout(socket: Socket): void {
  socket.destroy();
}

export class Http2Transport {
  private front: NetServer | undefined = undefined;
  private readonly sessions = new Set<SessionState>();
  private readonly http1 = new Map<Socket, Http1Connection>();
  private closing = false;
  /** Each route with what its calls share. */
  private readonly routes = new Map<string, { route: TransportRoute; method: CallMethod }>();
  private readonly compression: Encoding;

  constructor(private readonly options: Http2TransportOptions) {
    this.compression = options.limits.responseEncoding;
  }

  addRoute(path: string, route: TransportRoute): void {
    this.routes.set(path, { route, method: { codec: route.codec, limits: this.options.limits } });
  }

  listen(address: string): Promise<number> {
    const { host, port } = parseAddress(address);
    const settings = this.options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: this.options.maxConcurrentStreams } : {};
    // As grpc-js: nghttp2's default 10 MB per session refuses streams under load.
    const http2 = createServer({ settings, maxSessionMemory: Number.MAX_SAFE_INTEGER });
    // Node emits 'session' from its own connection listener, just before ours runs for the same
    // socket: pair them, so a session that never finishes its preface can have its socket cut.
    let unpaired: SessionState | undefined;
    http2.on("session", (session: Http2Session) => {
      unpaired = new SessionState(session, this.options.session, (state) => this.sessions.delete(state));
      this.sessions.add(unpaired);
    });
    http2.on("connection", (socket: Socket) => {
      if (unpaired !== undefined) unpaired.socket = socket;
      unpaired = undefined;
    });
    http2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) =>
      this.onStream(stream, headers, rawHeaders),
    );
    const http1 = this.createHttp1Server();

    const tls = this.options.tls;
    const handshakeTimeoutMs = this.options.session.handshakeTimeoutMs;
    let front: NetServer;
    if (tls === undefined) {
      front = createCleartextListener({ http2, http1, ...(handshakeTimeoutMs > 0 ? { firstBytesTimeoutMs: handshakeTimeoutMs } : {}) });
    } else {
      front = createTlsServer({
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: tls.requireClientCert } : {}),
        ALPNProtocols: ["h2", "http/1.1"],
        ...(handshakeTimeoutMs > 0 ? { handshakeTimeout: handshakeTimeoutMs } : {}),
      });
      front.on("secureConnection", (socket: TLSSocket) => {
        // ALPN picked the protocol; a client that offered none speaks HTTP/1.1.
        if (socket.alpnProtocol === "h2") http2.emit("connection", socket);
        else http1.emit("connection", socket);
      });
    }
    front.on("connection", (socket: Socket) => {
      if (this.closing) socket.destroy();
    });
    this.front = front;
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => {
        this.front = undefined;
        reject(err);
      };
      front.once("error", onError);
      front.listen(port, host, () => {
        front.off("error", onError);
        const bound = front.address();
        resolve(typeof bound === "object" && bound !== null ? bound.port : port);
      });
    });
  }

  /**
   * The HTTP/1 side: gRPC-Web, preflights and the `httpHandler`. Node's http server enforces its
   * own header timeouts only for servers that listen themselves, so a connection that does not
   * finish a request's headers in `handshakeTimeoutMs` (slowloris) is cut here.
   */
  private createHttp1Server(): Http1Server {
    const timeoutMs = this.options.session.handshakeTimeoutMs;
    const http1 = createHttp1Server({ keepAliveTimeout: 5_000 });
    http1.on("connection", (socket: Socket) => {
      const connection: Http1Connection = { inFlight: 0, timer: undefined };
      if (timeoutMs > 0) connection.timer = setTimeout(onHeadersTimeout, timeoutMs, socket).unref();
      this.http1.set(socket, connection);
      socket.once("close", () => {
        if (connection.timer !== undefined) clearTimeout(connection.timer);
        this.http1.delete(socket);
      });
    });
    http1.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      const connection = this.http1.get(socket);
      if (connection !== undefined) {
        if (connection.timer !== undefined) clearTimeout(connection.timer);
        connection.timer = undefined;
        connection.inFlight++;
        res.once("close", () => {
          connection.inFlight--;
          if (connection.inFlight > 0) return;
          if (this.closing) socket.destroy();
          else if (timeoutMs > 0 && !socket.destroyed) connection.timer = setTimeout(onHeadersTimeout, timeoutMs, socket).unref();
        });
      }
      if (this.closing) res.setHeader("connection", "close");
      this.onHttp1Request(req, res);
    });
    return http1;
  }

  private onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    const contentType = req.headers["content-type"];
    if (isWebRequest(req.method, contentType, req.headers.origin)) {
      this.onWebRequest(req as unknown as CompatRequest, res as unknown as CompatResponse, undefined, undefined);
      return;
    }
    if (req.method === "POST" && contentType !== undefined && contentType.startsWith("application/grpc")) {
      res.writeHead(505, { "content-type": "text/plain; charset=utf-8" });
      res.end("gRPC needs HTTP/2; browsers call this server with gRPC-Web (application/grpc-web)\n");
      return;
    }
    const handler = this.options.httpHandler;
    const refused = this.isRoute(req.url) ? httpRefusal(req.method, contentType) : undefined;
    if (refused !== undefined) {
      res.writeHead(refused.status, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${refused.message}\n`);
    } else if (handler !== undefined) handler(req as unknown as HttpRequest, res as unknown as HttpResponse);
    else notFound(res as unknown as HttpResponse, `nothing is served at ${req.url ?? "/"} over HTTP/1.1: this is a gRPC server`);
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
    const method = headers[":method"];
    const contentType = headers["content-type"];
    if (method !== "POST" || contentType === undefined || !isGrpcContentType(contentType)) {
      this.onOtherStream(stream, headers, method, contentType);
      return;
    }
    const path = headers[":path"] ?? "";
    const served = this.routes.get(path);
    if (served === undefined) {
      respondStatus(stream, Code.UNIMPLEMENTED, `The server does not implement the method ${path}`);
      return;
    }
    const state = SessionState.of(stream.session!);
    if (state === undefined) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const { deadlineMs, encoding, refusal } = admit(headers);
    const acceptEncoding = headers["grpc-accept-encoding"];
    const send = responseEncoding(typeof acceptEncoding === "string" ? acceptEncoding : undefined, this.compression);
    const call = new Http2Call(stream, headers, rawHeaders, served.method, state, deadlineMs, encoding, send);
    served.route.attach(call, refusal);
  }

  /** An HTTP/2 stream that is not a gRPC call: gRPC-Web, a preflight, the `httpHandler`, or a refusal. */
  private onOtherStream(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    method: string | undefined,
    contentType: string | undefined,
  ): void {
    if (isWebRequest(method, contentType, headers.origin)) {
      const state = SessionState.of(stream.session!);
      const { req, res } = streamExchange(stream, headers);
      this.onWebRequest(req, res, state, state?.peer);
      return;
    }
    const handler = this.options.httpHandler;
    // A method's path, or a gRPC content type, is a gRPC request gone wrong: refused the gRPC way
    // (405/415), never handed to the page handler.
    const grpcLike = (method === "POST" && contentType?.startsWith("application/grpc") === true) || this.isRoute(headers[":path"]);
    if (handler !== undefined && !grpcLike) {
      const { req, res } = streamExchange(stream, headers);
      handler(req, res);
      return;
    }
    const refused = httpRefusal(method, contentType);
    if (refused !== undefined) respondHttp(stream, refused.status, refused.message);
    else respondHttp(stream, 404, "not found");
  }

  /** Whether `url` (query ignored) names a served method. */
  private isRoute(url: string | undefined): boolean {
    if (url === undefined) return false;
    const query = url.indexOf("?");
    return this.routes.has(query === -1 ? url : url.slice(0, query));
  }

  /** A gRPC-Web request: preflights and refusals are answered by web-call.ts; calls run like gRPC ones. */
  private onWebRequest(req: CompatRequest, res: CompatResponse, tracker: CallTracker | undefined, peer: string | undefined): void {
    const io = acceptWebCall(req, res, { cors: this.options.cors });
    if (io === undefined) return;
    const served = this.routes.get(io.path);
    if (served === undefined) {
      io.end(Code.UNIMPLEMENTED, `The server does not implement the method ${io.path}`);
      return;
    }
    const admission = admit(io.headers as Record<string, string | string[] | undefined>);
    const refusal = served.route.requestStream ? { code: Code.UNIMPLEMENTED, details: WEB_STREAMING_REFUSAL } : admission.refusal;
    const socket = (req as unknown as { socket?: { remotePort?: number } }).socket;
    const from = peer ?? (io.remoteAddress === undefined ? "unknown" : `${io.remoteAddress}:${socket?.remotePort ?? 0}`);
    const call = new WebTransportCall(io, served.method, from, admission.deadlineMs, admission.encoding, tracker);
    served.route.attach(call, refusal);
  }

  /** Stops accepting connections and sends GOAWAY on every one; resolves when all are closed. */
  shutdown(): Promise<void> {
    const front = this.front;
    if (front === undefined) return Promise.resolve();
    this.closing = true;
    const closed = new Promise<void>((resolve) => front.close(() => resolve()));
    for (const state of this.sessions) state.close();
    for (const [socket, connection] of this.http1) if (connection.inFlight === 0) socket.destroy();
    return closed;
  }

  /** Closes every connection now. */
  forceShutdown(): void {
    this.closing = true;
    for (const state of [...this.sessions]) state.session.destroy();
    for (const socket of [...this.http1.keys()]) socket.destroy();
    this.front?.close();
    this.front = undefined;
  }
}
