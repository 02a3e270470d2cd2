// One gRPC-Web call over fetch: POSTs the framed request, reports the response headers, yields each
// message as its frame completes, and ends with the status of the trailers (or of a trailers-only
// response's headers). Failures are nice-grpc-common `ClientError`s, as from the other transports:
// a fetch that fails outright is UNAVAILABLE, a malformed body INTERNAL. Aborting `signal` cancels the fetch and the body reader
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
  const fail = (code: Status, message: string) => new ClientError(path, code, message);
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
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
      credentials: call.credentials as RequestCredentials,
    });
  } catch (error) {
    if (signal.aborted) throw abortError();
    // No response at all (connection refused, DNS, a CORS refusal): gRPC's UNAVAILABLE, so
    // idempotent calls are retried.
    throw fail(Status.UNAVAILABLE, `The service is unreachable: ${reason(error)}`);
  }

  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const onAbort = () => {
    reader?.cancel().catch(() => {});
  };
  signal.addEventListener("abort", onAbort);
  try {
    const header = headersToMetadata(response.headers);
    // Trailers-only: the status is in the headers (and the body is empty).
    let trailers = header.has("grpc-status") ? header : undefined;
    if (trailers === undefined) {
      call.onHeader?.(header);
      if (!response.ok || response.body === null) {
        const text = await response.text().catch(() => "");
        throw fail(
          response.ok ? Status.UNKNOWN : statusFromHttp(response.status),
          `Received HTTP ${response.status} response: ${text.length > 1000 ? `${text.slice(0, 1000)}... (truncated)` : text}`,
        );
      }
      reader = response.body.getReader();
      const frames = new FrameReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (signal.aborted) throw abortError();
          throw fail(Status.UNAVAILABLE, `Response body failed: ${reason(error)}`);
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
      if (trailers === undefined) {
        throw fail(
          Status.UNKNOWN,
          "Response stream closed without gRPC status (a server on another origin must list grpc-status and grpc-message in Access-Control-Expose-Headers)",
        );
      }
    }
    const status = readStatus(trailers);
    call.onTrailer?.(status.trailers);
    if (status.code !== Status.OK) throw fail(status.code, status.message);
  } catch (error) {
    throw error instanceof ProtocolError ? fail(Status.INTERNAL, error.message) : error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Whatever is left of the body (a consumer that stops early, an error, a trailers-only response).
    (reader ?? response.body)?.cancel().catch(() => {});
  }
}
