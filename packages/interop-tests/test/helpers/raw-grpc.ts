// gRPC spoken by hand over node:http2, for requests a gRPC library would refuse to send
// (malformed frames, wrong content-type, oversized metadata, garbage bytes).
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";

/** Wraps one message in the 5-byte gRPC length prefix. */
export function grpcFrame(
  message: Uint8Array,
  { compressed = false, declaredLength }: { compressed?: boolean; declaredLength?: number } = {},
): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(declaredLength ?? message.length, 1);
  return Buffer.concat([header, message]);
}

/** Splits a response body into gRPC messages; a trailing partial frame is returned as `rest`. */
export function parseFrames(body: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (body.length - offset >= 5) {
    const length = body.readUInt32BE(offset + 1);
    if (body.length - offset - 5 < length) break;
    messages.push(body.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return { messages, rest: body.subarray(offset) };
}

export interface RawResponse {
  /** HTTP status (`:status`), undefined when the stream was reset before any headers. */
  httpStatus: number | undefined;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  /** `grpc-status` from trailers, or from the headers of a trailers-only response. */
  grpcStatus: number | undefined;
  /** `grpc-message`, percent-decoded. */
  grpcMessage: string | undefined;
  /** Raw `grpc-status-details-bin`, base64-decoded. */
  statusDetails: Buffer | undefined;
  messages: Buffer[];
  /** Set when the stream ended with RST_STREAM / a session error instead of trailers. */
  resetCode: number | undefined;
  error: Error | undefined;
  /** Set when the call hit the helper's own timeout and was cancelled by it. */
  timedOut: boolean;
  elapsedMs: number;
}

export interface RawCallOptions {
  /** Extra request headers; override the defaults (content-type, te, …). */
  headers?: OutgoingHttpHeaders;
  /** Leave the request stream open after writing the body (for truncated-frame cases). */
  keepOpen?: boolean;
  /** Cancel the call after this long and report `timedOut` (default 5000 ms). */
  timeoutMs?: number;
}

const decodeMessage = (value: string | string[] | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * Opens a plaintext HTTP/2 session to 127.0.0.1:port (prior knowledge, as gRPC does). Node would
 * refuse to send a header block over 64 KiB; the limit is lifted so oversized metadata reaches the server.
 */
export async function connectHttp2(port: number, settings?: http2.Settings): Promise<ClientHttp2Session> {
  const session = http2.connect(`http://127.0.0.1:${port}`, {
    maxSendHeaderBlockLength: 1 << 24,
    ...(settings ? { settings } : {}),
  } as http2.ClientSessionOptions);
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.on("error", () => {}); // per-call errors are reported through RawResponse
  return session;
}

export function closeSession(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) return resolve();
    const timer = setTimeout(() => {
      session.destroy();
      resolve();
    }, 2000);
    session.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Sends one gRPC call: `body` is written as-is (use grpcFrame to build it). */
export function rawCall(
  session: ClientHttp2Session,
  path: string,
  body: Buffer | Buffer[],
  options: RawCallOptions = {},
): Promise<RawResponse> {
  const started = Date.now();
  const { timeoutMs = 5000 } = options;
  return new Promise((resolve) => {
    const result: RawResponse = {
      httpStatus: undefined,
      headers: {},
      trailers: {},
      grpcStatus: undefined,
      grpcMessage: undefined,
      statusDetails: undefined,
      messages: [],
      resetCode: undefined,
      error: undefined,
      timedOut: false,
      elapsedMs: 0,
    };
    const chunks: Buffer[] = [];
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const statusSource = result.trailers["grpc-status"] !== undefined ? result.trailers : result.headers;
      const status = statusSource["grpc-status"];
      result.grpcStatus = status === undefined ? undefined : Number(status);
      result.grpcMessage = decodeMessage(statusSource["grpc-message"]);
      const details = statusSource["grpc-status-details-bin"];
      if (typeof details === "string") result.statusDetails = Buffer.from(details, "base64");
      result.messages = parseFrames(Buffer.concat(chunks)).messages;
      result.elapsedMs = Date.now() - started;
      resolve(result);
    };
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({
        ":method": "POST",
        ":path": path,
        ":scheme": "http",
        "content-type": "application/grpc",
        te: "trailers",
        ...options.headers,
      });
    } catch (error) {
      result.error = error as Error;
      finish();
      return;
    }
    timer = setTimeout(() => {
      result.timedOut = true;
      stream.close(http2.constants.NGHTTP2_CANCEL);
      finish();
    }, timeoutMs);
    stream.on("response", (headers) => {
      result.headers = headers;
      result.httpStatus = Number(headers[":status"]);
    });
    stream.on("trailers", (trailers) => {
      result.trailers = trailers;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error) => {
      result.error = error;
    });
    stream.on("close", () => {
      if (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) result.resetCode = stream.rstCode;
      finish();
    });
    for (const part of Array.isArray(body) ? body : [body]) stream.write(part);
    if (!options.keepOpen) stream.end();
  });
}

/** Convenience: one call over a fresh session, closed afterwards. */
export async function rawCallOnce(port: number, path: string, body: Buffer | Buffer[], options: RawCallOptions = {}): Promise<RawResponse> {
  const session = await connectHttp2(port);
  try {
    return await rawCall(session, path, body, options);
  } finally {
    await closeSession(session);
  }
}
