/*
 * HTTP/1.1 and HTTP/2 on one cleartext port. Node's `allowHTTP1` only works with TLS, where ALPN
 * picks the protocol; without TLS a browser (or curl, or fetch in Node) still speaks HTTP/1.1 to
 * `http://host:port` while gRPC clients send the HTTP/2 preface straight away (prior knowledge).
 * The preface starts with `PRI * HTTP/2.0`, a method no HTTP/1 client sends (RFC 9113 §3.4 chose
 * it for that), so the first bytes tell the two apart. The socket is then handed, bytes
 * untouched, to the matching Node server, which sees an ordinary connection.
 */
import type http from "node:http";
import type http2 from "node:http2";
import net from "node:net";

/** The first bytes of every HTTP/2 connection preface. */
const PREFACE_START = Buffer.from("PRI * HTTP/2.0");

export interface CleartextListenerOptions {
  /** Receives connections that start with the HTTP/2 preface. */
  readonly http2: http2.Http2Server;
  /** Receives every other connection (HTTP/1.x). */
  readonly http1: http.Server;
  /**
   * How long a connection may stay silent before its first bytes decide the protocol, in ms.
   * Default: 10 000. A connection that sends nothing in time is closed.
   */
  readonly firstBytesTimeoutMs?: number;
}

/**
 * A `net.Server` that serves HTTP/2 (prior knowledge) and HTTP/1.1 on the same port by handing
 * each connection to `http2` or `http1`. Listen on it; close it and both servers to stop.
 */
export function createCleartextListener(options: CleartextListenerOptions): net.Server {
  const timeoutMs = options.firstBytesTimeoutMs ?? 10_000;
  return net.createServer((socket) => {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    const onError = (): void => clearTimeout(timer);
    socket.once("error", onError);
    socket.once("close", onError);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, PREFACE_START.length);
      const isHttp2 = seen.subarray(0, compared).equals(PREFACE_START.subarray(0, compared));
      if (isHttp2 && compared < PREFACE_START.length) return; // too few bytes to tell yet
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onError);
      socket.pause();
      socket.unshift(seen);
      if (isHttp2) {
        // Node's HTTP/2 session takes what is already buffered on the socket when it starts.
        options.http2.emit("connection", socket);
      } else {
        // Node's HTTP/1 parser reads the socket's handle directly from now on; the bytes read so
        // far reach it as a 'data' event once the stream flows again (before any new I/O).
        options.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });
}
