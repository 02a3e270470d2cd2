/*
 * The I/O of one call as the call runtime sees it, whatever carries it: request headers and body
 * bytes in, response headers, length-prefixed messages and a final status out. The gRPC-Web
 * adapter (web-call.ts) implements it over Node's compat request/response (HTTP/1.1 or HTTP/2);
 * the native gRPC transport can implement the same over an `Http2Stream`.
 */
import type { Metadata, ServerError } from "nice-grpc-common";

/** Metadata as entries (nice-grpc `Metadata` iterates like this too). */
export type MetadataEntries = Iterable<[string, readonly (string | Uint8Array)[]]>;

/** The wire protocol that carries a call, for metrics and spans. */
export type CallProtocol = "grpc" | "grpc-web" | "grpc-web-text";

/** Receives the request body: raw length-prefixed bytes, split anywhere. */
export interface CallBodyListener {
  data(chunk: Uint8Array): void;
  /** The client finished the body. */
  end(): void;
  /**
   * The body cannot be used (for example text mode that is not base64, or the client went away
   * before finishing it). No more `data` or `end` follow; end the call with `error.code`.
   */
  error(error: ServerError): void;
}

export interface CallIO {
  readonly protocol: CallProtocol;
  /** The request path, `/package.Service/Method`. */
  readonly path: string;
  /** Request headers as received, lowercase names (`grpc-timeout` is read from here). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Request metadata per the gRPC rules: reserved headers left out, `-bin` values decoded. */
  readonly metadata: Metadata;
  /** Aborted when the client goes away before the call ended. */
  readonly signal: AbortSignal;
  /** The client went away before the call ended (`signal.aborted`, without creating the signal). */
  readonly clientGone: boolean;
  /** The peer's address, when the socket knows it. */
  readonly remoteAddress: string | undefined;
  /** Start reading the body (once). Bytes flow until `pause`. */
  readBody(listener: CallBodyListener): void;
  /** Stop taking body bytes from the socket (backpressure); `resume` takes them again. */
  pause(): void;
  resume(): void;
  /** Send the response headers with `metadata` (once; the first message or `end` sends them if not). */
  sendHeaders(metadata?: MetadataEntries | null): void;
  /**
   * Write one complete length-prefixed message (5-byte prefix included). Returns false when the
   * socket's buffer is full: wait for `onDrain` before the next write.
   */
  writeMessage(frame: Uint8Array): boolean;
  /** Call `listener` once when the buffer that made `writeMessage` return false has drained. */
  onDrain(listener: () => void): void;
  /** Finish the call with a status (and trailing metadata). Later calls do nothing. */
  end(code: number, message: string, trailers?: MetadataEntries | null): void;
  /** Call `listener` once when the exchange is over: the answer was sent, or the client went away. */
  onClose(listener: () => void): void;
}
