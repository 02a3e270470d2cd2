/*
 * A gRPC-Web call over Node's compat API: `http2.createServer({ allowHTTP1: true })` hands both
 * HTTP/1.1 requests (`http.IncomingMessage`/`ServerResponse`) and HTTP/2 streams
 * (`Http2ServerRequest`/`Http2ServerResponse`) to one `request` listener, and both share the small
 * surface used here. `acceptWebCall` answers what is not a call (CORS preflight, a refused origin,
 * a wrong method or content type) and turns the rest into `CallIO` for the call runtime.
 *
 * The answer to a call is always HTTP 200 with the response headers, then the messages, then the
 * trailer frame in the body, also when the call fails before any message. PROTOCOL-WEB would allow
 * a trailers-only answer (status in the HTTP headers), but a page reads headers only when CORS
 * exposes them, and nice-grpc-web refuses a trailer frame after a header status; the trailer frame
 * works for every client with no exposure needed.
 */
import { type Metadata, ServerError, Status } from "nice-grpc-common";
import type { CallBodyListener, CallIO, CallProtocol, MetadataEntries } from "./call-io.js";
import { parseWebContentType } from "./content-type.js";
import { type CorsPolicy, isSameOrigin } from "./cors.js";
import { Base64StreamDecoder, encodeBase64 } from "./text-codec.js";
import { encodeTrailerFrame } from "./trailer-frame.js";
import { metadataFromHeaders, metadataToPairs } from "./wire-metadata.js";

type Headers = Record<string, string | string[] | undefined>;

/** What `acceptWebCall` uses of `http.IncomingMessage` / `http2.Http2ServerRequest`. */
export interface CompatRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Headers;
  readonly socket: { readonly remoteAddress?: string | undefined; readonly encrypted?: boolean } | object;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "aborted" | "error", listener: () => void): unknown;
  removeAllListeners(event: "data" | "end"): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** What `acceptWebCall` uses of `http.ServerResponse` / `http2.Http2ServerResponse`. */
export interface CompatResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  setHeader(name: string, value: string | readonly string[]): unknown;
  writeHead(status: number, headers?: Record<string, string | string[]>): unknown;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  /** Sends the headers now rather than with the first body bytes (HTTP/1.1; HTTP/2 sends them at once). */
  flushHeaders?(): void;
}

export interface WebCallOptions {
  /** CORS for other origins; without it only same-origin pages and non-browser clients may call. */
  readonly cors?: CorsPolicy | undefined;
}

/** The status and message for client-streaming and bidi methods, which gRPC-Web cannot carry. */
export const WEB_STREAMING_REFUSAL =
  "gRPC-Web supports unary and server-streaming calls only: browsers cannot stream a request body, so call this client-streaming or bidi method over gRPC (HTTP/2)";

/** The error to end a gRPC-Web call with when the method streams requests, else undefined. */
export function webMethodError(method: { readonly requestStream: boolean }): ServerError | undefined {
  return method.requestStream ? new ServerError(Status.UNIMPLEMENTED, WEB_STREAMING_REFUSAL) : undefined;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function answer(res: CompatResponse, status: number, reason: string, headers: Record<string, string> = {}): undefined {
  res.writeHead(status, { ...headers, "content-type": "text/plain; charset=utf-8" });
  res.end(reason);
  return undefined;
}

/**
 * Take a compat request. Returns the call's I/O, or undefined when the request was answered here:
 * a preflight (204/403), an origin that may not call (403), a method other than POST (405), a
 * content type that is not gRPC-Web protobuf (415).
 */
export function acceptWebCall(req: CompatRequest, res: CompatResponse, options: WebCallOptions = {}): CallIO | undefined {
  const { cors } = options;
  const origin = one(req.headers.origin);
  const crossOrigin =
    origin !== undefined &&
    !isSameOrigin(
      origin,
      one(req.headers[":authority"]) ?? one(req.headers.host),
      "encrypted" in req.socket && req.socket.encrypted === true,
    );

  if (req.method === "OPTIONS") {
    if (cors === undefined) {
      return answer(res, 403, "cross-origin gRPC-Web calls are not enabled on this server (no CORS origins configured)");
    }
    const preflight = cors.preflight({
      origin,
      method: one(req.headers["access-control-request-method"]),
      headers: one(req.headers["access-control-request-headers"]),
    });
    if (preflight.status === 403) return answer(res, 403, preflight.reason, preflight.headers);
    res.writeHead(204, preflight.headers);
    res.end();
    return undefined;
  }
  if (crossOrigin) {
    if (cors === undefined || !cors.allows(origin)) {
      // A browser would hide the answer anyway; refusing here keeps the handler from running.
      return answer(res, 403, `origin ${origin} is not allowed to call this server`);
    }
    // Set before the checks below so that a page can read their refusals too.
    for (const [name, value] of Object.entries(cors.responseHeaders(origin))) res.setHeader(name, value);
  }
  if (req.method !== "POST") {
    return answer(res, 405, `gRPC-Web calls use POST, not ${req.method}`, { allow: "POST, OPTIONS" });
  }
  const type = parseWebContentType(one(req.headers["content-type"]), one(req.headers.accept));
  if (type.kind === "unsupported") return answer(res, 415, type.reason);
  if (type.kind === "other") {
    return answer(
      res,
      415,
      `content-type "${one(req.headers["content-type"]) ?? ""}" is not gRPC-Web: expected application/grpc-web[+proto] or application/grpc-web-text[+proto]`,
    );
  }
  return new WebCall(req, res, type.requestText, type.responseText, type.responseContentType);
}

function flushHeld(call: WebCall): void {
  call.flushHeld();
}
function flushAlone(call: WebCall): void {
  call.flushAlone();
}

class WebCall implements CallIO {
  readonly protocol: CallProtocol;
  readonly path: string;
  readonly headers: Headers;
  readonly remoteAddress: string | undefined;
  private requestMetadata: Metadata | undefined = undefined;
  /** Created when something reads `signal` (the call runtime keeps its own). */
  private controller: AbortController | undefined = undefined;
  /** The client went away before the answer was sent. */
  private gone = false;
  /** Fails a body still being read when the client goes away. */
  private bodyAbort: (() => void) | undefined = undefined;
  private ended = false;
  /**
   * The first message, held until the end of the tick: a unary answer then leaves in one write with
   * its trailer frame (a write still in flight when the stream closes costs Node an error object).
   */
  private held: Uint8Array | undefined = undefined;
  /** Some body bytes were written. */
  private wrote = false;
  private reading = false;
  private closed = false;
  private closeListener: (() => void) | undefined = undefined;

  constructor(
    private readonly req: CompatRequest,
    private readonly res: CompatResponse,
    private readonly requestText: boolean,
    private readonly responseText: boolean,
    private readonly contentType: string,
  ) {
    this.protocol = requestText ? "grpc-web-text" : "grpc-web";
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    this.path = query === -1 ? url : url.slice(0, query);
    this.headers = req.headers;
    this.remoteAddress = "remoteAddress" in req.socket ? req.socket.remoteAddress : undefined;
    res.once("close", () => {
      // Over HTTP/2, 'close' may come before 'finish': an answer we ended is not a client gone away.
      if (!this.ended && !res.writableFinished) {
        this.gone = true;
        this.controller?.abort();
        this.bodyAbort?.();
      }
      this.closed = true;
      this.closeListener?.();
    });
  }

  get clientGone(): boolean {
    return this.gone;
  }

  get metadata(): Metadata {
    return (this.requestMetadata ??= metadataFromHeaders(this.req.headers));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }

  readBody(listener: CallBodyListener): void {
    if (this.reading) throw new Error("readBody called twice");
    this.reading = true;
    const { req } = this;
    const decoder = this.requestText ? new Base64StreamDecoder() : undefined;
    let done = false;
    const fail = (error: ServerError): void => {
      if (done) return;
      done = true;
      req.removeAllListeners("data");
      req.removeAllListeners("end");
      req.resume(); // drain what is left so an HTTP/1.1 connection stays usable
      listener.error(error);
    };
    this.bodyAbort = () => fail(new ServerError(Status.CANCELLED, "the client went away before sending the whole request"));
    req.on("data", (chunk: Buffer) => {
      if (decoder === undefined) {
        listener.data(chunk);
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = decoder.push(chunk);
      } catch (error) {
        fail(new ServerError(Status.INVALID_ARGUMENT, (error as Error).message));
        return;
      }
      if (bytes.length > 0) listener.data(bytes);
    });
    req.on("end", () => {
      if (done) return;
      if (decoder !== undefined) {
        let tail: Uint8Array;
        try {
          tail = decoder.end();
        } catch (error) {
          fail(new ServerError(Status.INVALID_ARGUMENT, (error as Error).message));
          return;
        }
        if (tail.length > 0) listener.data(tail);
      }
      done = true;
      this.bodyAbort = undefined;
      listener.end();
    });
    req.resume();
  }

  pause(): void {
    this.req.pause();
  }

  resume(): void {
    this.req.resume();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListener = listener;
  }

  sendHeaders(metadata?: MetadataEntries | null): void {
    if (this.res.headersSent || this.ended) return;
    const headers: Record<string, string | string[]> = { "content-type": this.contentType };
    for (const [key, value] of metadataToPairs(metadata)) {
      const previous = headers[key];
      headers[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    this.res.writeHead(200, headers);
    // Headers sent on their own (context.sendHeader(), a stream that waits before its first
    // message) leave now, so the client knows the call is live; with a message or the status in
    // the same tick they leave together with it.
    process.nextTick(flushAlone, this);
  }

  /** Flushes the response headers when nothing else was written with them. */
  flushAlone(): void {
    if (!this.ended && !this.gone && this.held === undefined && !this.wrote) this.res.flushHeaders?.();
  }

  writeMessage(frame: Uint8Array): boolean {
    if (this.ended || this.gone) return true;
    if (!this.res.headersSent) {
      this.sendHeaders();
      this.held = frame;
      process.nextTick(flushHeld, this);
      return true;
    }
    this.flushHeld();
    return this.write(frame);
  }

  /** Writes the held first message, if it is still held. */
  flushHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    if (!this.ended && !this.gone) this.write(held);
  }

  private write(frame: Uint8Array): boolean {
    this.wrote = true;
    return this.res.write(this.responseText ? encodeBase64(frame) : frame);
  }

  onDrain(listener: () => void): void {
    this.res.once("drain", listener);
  }

  end(code: number, message: string, trailers?: MetadataEntries | null): void {
    if (this.ended) return;
    if (this.gone) {
      this.ended = true;
      return;
    }
    if (!this.res.headersSent) this.sendHeaders();
    this.ended = true;
    const trailer = encodeTrailerFrame(code, message, trailers);
    const held = this.held;
    this.held = undefined;
    const frame = held === undefined ? trailer : Buffer.concat([held, trailer]);
    this.res.end(this.responseText ? encodeBase64(frame) : frame);
  }
}
