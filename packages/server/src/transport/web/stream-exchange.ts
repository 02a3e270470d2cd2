/*
 * An HTTP/2 stream as the small request/response pair that web-call.ts and an `httpHandler` use.
 * Node builds its own compat objects (`Http2ServerRequest`/`Http2ServerResponse`) only when a
 * 'request' listener is on the server, and then for every stream, gRPC ones included; the server
 * keeps gRPC on its 'stream' path and wraps here only the streams that are not gRPC (gRPC-Web
 * over HTTP/2, CORS preflights, whatever the `httpHandler` serves).
 */
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { CompatRequest, CompatResponse } from "./web-call.js";

type Headers = Record<string, string | string[] | undefined>;

function ignore(): void {}

class StreamRequest implements CompatRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly socket: { readonly remoteAddress?: string | undefined; readonly encrypted?: boolean };

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly headers: Headers,
  ) {
    this.method = headers[":method"] as string | undefined;
    this.url = headers[":path"] as string | undefined;
    const socket = stream.session?.socket;
    this.socket = {
      remoteAddress: socket?.remoteAddress,
      encrypted: socket !== undefined && "encrypted" in socket && socket.encrypted === true,
    };
  }

  on(event: "data" | "end" | "aborted" | "error", listener: (chunk: Buffer) => void): this {
    this.stream.on(event, listener);
    return this;
  }

  removeAllListeners(event: "data" | "end"): this {
    this.stream.removeAllListeners(event);
    return this;
  }

  pause(): this {
    this.stream.pause();
    return this;
  }

  resume(): this {
    this.stream.resume();
    return this;
  }
}

class StreamResponse implements CompatResponse {
  private pending: OutgoingHttpHeaders | undefined = undefined;

  constructor(private readonly stream: ServerHttp2Stream) {
    stream.on("error", ignore); // 'close' follows
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get writableFinished(): boolean {
    return this.stream.writableFinished;
  }

  setHeader(name: string, value: string | readonly string[]): this {
    (this.pending ??= {})[name.toLowerCase()] = value as string | string[];
    return this;
  }

  writeHead(status: number, headers: Record<string, string | string[]> = {}): this {
    if (this.stream.headersSent || this.stream.destroyed) return this;
    const out: OutgoingHttpHeaders = this.pending ?? {};
    out[constants.HTTP2_HEADER_STATUS] = status;
    for (const name in headers) out[name.toLowerCase()] = headers[name];
    this.stream.respond(out);
    return this;
  }

  write(chunk: Uint8Array | string): boolean {
    if (this.stream.destroyed) return true;
    if (!this.stream.headersSent) this.writeHead(200);
    return this.stream.write(chunk);
  }

  end(chunk?: Uint8Array | string): this {
    if (this.stream.destroyed) return this;
    if (!this.stream.headersSent) this.writeHead(200);
    // Not `end(chunk)`: Node closes an HTTP/2 stream as soon as its END_STREAM is out, before the
    // write of that last chunk completes, and then makes an error object for the write it thinks
    // was lost. Ending after the write completes costs an empty DATA frame instead.
    if (chunk === undefined) this.stream.end();
    else {
      const stream = this.stream;
      stream.write(chunk, () => {
        if (!stream.destroyed) stream.end();
      });
    }
    this.stream.resume(); // whatever the client still sends is not read: let it drain
    return this;
  }

  once(event: "drain" | "close", listener: () => void): this {
    this.stream.once(event, listener);
    return this;
  }
}

/** The request and response of one HTTP/2 stream, for web-call.ts and an `httpHandler`. */
export function streamExchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): { req: CompatRequest; res: CompatResponse } {
  return { req: new StreamRequest(stream, headers as Headers), res: new StreamResponse(stream) };
}
