// One gRPC-Web call over fetch: POSTs the framed request, reports the response headers, yields each
// message as its frame completes, and ends with the status of the trailers (or of a trailers-only
// response's headers). Failures are nice-grpc-common `ClientError`s, as from the other transports:
// a fetch that fails outright is UNKNOWN "Transport error: ..." (the attempt middleware makes it
// UNAVAILABLE), a malformed body INTERNAL. Aborting `signal` cancels the fetch and the body reader
// and rejects with an `AbortError`.
import { ClientError, Status } from "@org/client-core";
import type { Metadata } from "nice-grpc-common";
import { encodeFrame, FrameReader, headersToMetadata, metadataToHeaders, ProtocolError, readStatus, statusFromHttp } from "./grpc-web.js";

export interface FetchCall {
  url: string;
  path: string;
  body: Uint8Array;
  metadata: Metadata;
  signal: AbortSignal;
  credentials: RequestCredentials | undefined;
  onHeader: ((header: Metadata) => void) | undefined;
  onTrailer: ((trailer: Metadata) => void) | undefined;
}

function abortError(): Error {
  return new DOMException("The operation was aborted", "AbortError");
}

export async function* fetchCall(call: FetchCall): AsyncGenerator<Uint8Array, void, undefined> {
  const { path, signal } = call;
  if (signal.aborted) throw abortError();
  const headers = metadataToHeaders(call.metadata);
  headers.set("content-type", "application/grpc-web+proto");
  headers.set("x-grpc-web", "1");
  let response: Response;
  try {
    response = await fetch(call.url + path, {
      method: "POST",
      headers,
      body: encodeFrame(call.body),
      signal,
      ...(call.credentials === undefined ? {} : { credentials: call.credentials }),
    });
  } catch (error) {
    if (signal.aborted) throw abortError();
    throw new ClientError(path, Status.UNKNOWN, `Transport error: ${error instanceof Error ? error.message : String(error)}`);
  }

  let header: Metadata;
  try {
    header = headersToMetadata(response.headers);
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    throw new ClientError(path, Status.INTERNAL, (error as Error).message);
  }
  const finish = (trailers: Metadata) => {
    let status: ReturnType<typeof readStatus>;
    try {
      status = readStatus(trailers);
    } catch (error) {
      throw new ClientError(path, Status.INTERNAL, (error as Error).message);
    }
    call.onTrailer?.(status.trailers);
    if (status.code !== Status.OK) throw new ClientError(path, status.code, status.message);
  };

  if (header.has("grpc-status")) {
    // Trailers-only: the status is in the headers and the body is empty.
    await response.body?.cancel().catch(() => {});
    return finish(header);
  }
  call.onHeader?.(header);
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => "");
    const code = response.ok ? Status.UNKNOWN : statusFromHttp(response.status);
    throw new ClientError(
      path,
      code,
      `Received HTTP ${response.status} response: ${text.length > 1000 ? `${text.slice(0, 1000)}... (truncated)` : text}`,
    );
  }

  const reader = response.body.getReader();
  const onAbort = () => {
    reader.cancel().catch(() => {});
  };
  signal.addEventListener("abort", onAbort);
  const frames = new FrameReader();
  let trailers: Metadata | undefined;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) throw abortError();
        throw new ClientError(path, Status.UNAVAILABLE, `Response body failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (signal.aborted) throw abortError();
      if (chunk.done) break;
      for (const frame of frames.push(chunk.value)) {
        if (trailers !== undefined) throw new ProtocolError("Received data after the trailers");
        if (frame.trailer) trailers = frame.data;
        else yield frame.data;
      }
    }
    frames.end();
  } catch (error) {
    if (error instanceof ProtocolError) throw new ClientError(path, Status.INTERNAL, error.message);
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    // A consumer that stops early (break, return) cancels the rest of the body.
    reader.cancel().catch(() => {});
  }
  if (trailers === undefined) {
    throw new ClientError(
      path,
      Status.UNKNOWN,
      'Response stream closed without gRPC status. This may indicate a misconfigured CORS policy on the server: Access-Control-Expose-Headers must include "grpc-status" and "grpc-message".',
    );
  }
  finish(trailers);
}
