/*
 * The HTTP/2 server: Node's `http2.createServer` / `createSecureServer` (ALPN h2), one
 * `SessionState` per connection, and the gate every request passes before a call exists: HTTP
 * method and content-type (405/415), the method path (UNIMPLEMENTED), `grpc-timeout`
 * (INVALID_ARGUMENT when malformed) and `grpc-encoding` (UNIMPLEMENTED listing what is supported).
 */
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Stream,
} from "node:http2";
import type { Socket } from "node:net";
import { type Encoding, requestEncoding, responseEncoding, unsupportedEncodingMessage } from "./compression.js";
import { type CallLimits, Http2Call, type MethodCodec } from "./http2-call.js";
import { type SessionOptions, SessionState } from "./session.js";
import { Code, httpRefusal, setStatus } from "./status.js";
import { parseTimeout } from "./timeout.js";

/** A served method: how to code its messages and who runs a call of it. */
export interface TransportRoute {
  readonly codec: MethodCodec;
  /** Hands the new call to the runtime, which starts it (with `refusal` when the gate refused it). */
  attach(call: Http2Call, refusal: { code: number; details: string } | undefined): void;
}

export interface Http2TransportOptions {
  /** PEM material for TLS; with `ca`, clients must present a certificate (unless not required). */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert: boolean };
  /** SETTINGS_MAX_CONCURRENT_STREAMS (`undefined`: HTTP/2 default, unlimited). */
  maxConcurrentStreams?: number;
  limits: CallLimits;
  session: SessionOptions;
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

export class Http2Transport {
  private server: Http2Server | Http2SecureServer | undefined = undefined;
  private readonly sessions = new Set<SessionState>();
  private readonly routes = new Map<string, TransportRoute>();
  private readonly compression: Encoding;

  constructor(private readonly options: Http2TransportOptions) {
    this.compression = options.limits.responseEncoding;
  }

  addRoute(path: string, route: TransportRoute): void {
    this.routes.set(path, route);
  }

  listen(address: string): Promise<number> {
    const { host, port } = parseAddress(address);
    const settings = this.options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: this.options.maxConcurrentStreams } : {};
    const common = {
      settings,
      // As grpc-js: nghttp2's default 10 MB per session refuses streams under load.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    };
    const tls = this.options.tls;
    const server =
      tls === undefined
        ? createServer(common)
        : createSecureServer({
            ...common,
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: tls.requireClientCert } : {}),
            ALPNProtocols: ["h2"],
            ...(this.options.session.handshakeTimeoutMs > 0 ? { handshakeTimeout: this.options.session.handshakeTimeoutMs } : {}),
            allowHTTP1: false,
          } satisfies SecureServerOptions);
    // Node emits 'session' from its own connection listener, just before ours runs for the same
    // socket: pair them, so a session that never finishes its preface can have its socket cut.
    let unpaired: SessionState | undefined;
    server.on("session", (session: Http2Session) => {
      unpaired = new SessionState(session, this.options.session, (state) => this.sessions.delete(state));
      this.sessions.add(unpaired);
    });
    server.on(tls === undefined ? "connection" : "secureConnection", (socket: Socket) => {
      if (unpaired !== undefined) unpaired.socket = socket;
      unpaired = undefined;
    });
    server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.onStream(stream, headers));
    this.server = server;
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => {
        this.server = undefined;
        reject(err);
      };
      server.once("error", onError);
      server.listen(port, host, () => {
        server.off("error", onError);
        const bound = server.address();
        resolve(typeof bound === "object" && bound !== null ? bound.port : port);
      });
    });
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const refused = httpRefusal(headers[":method"], headers["content-type"]);
    if (refused !== undefined) {
      respondHttp(stream, refused.status, refused.message);
      return;
    }
    const path = headers[":path"] ?? "";
    const route = this.routes.get(path);
    if (route === undefined) {
      respondStatus(stream, Code.UNIMPLEMENTED, `The server does not implement the method ${path}`);
      return;
    }
    const state = SessionState.of(stream.session!);
    if (state === undefined) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
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
    const acceptEncoding = headers["grpc-accept-encoding"];
    const send = responseEncoding(typeof acceptEncoding === "string" ? acceptEncoding : undefined, this.compression);
    const call = new Http2Call(stream, headers, route.codec, this.options.limits, state, deadlineMs, encoding, send);
    route.attach(call, refusal);
  }

  /** Stops accepting connections and sends GOAWAY on every one; resolves when all are closed. */
  shutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const state of this.sessions) state.close();
    return closed;
  }

  /** Closes every connection now. */
  forceShutdown(): void {
    for (const state of [...this.sessions]) state.session.destroy();
    this.server?.close();
    this.server = undefined;
  }
}
