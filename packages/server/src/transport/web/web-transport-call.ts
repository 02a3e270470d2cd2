/*
 * A gRPC-Web call as the call runtime sees every call (`TransportCall`, ../http2-call.ts): the
 * same record, steps and middleware as a gRPC call run it, over the `CallIO` of web-call.ts.
 * Reading: body bytes → length-prefixed messages (the transport's framing and decompression),
 * handed out one per `startRead()`, the body paused while the reader is behind. Writing: the
 * response headers, messages (waiting for 'drain' when the socket's buffer is full), and the
 * status as the trailer frame. A client that goes away before the answer aborts the call.
 */

import type { ServerError } from "nice-grpc-common";
import { CallReader, CLOSED, STATUS_SENT } from "../call-reader.js";
import type { Encoding } from "../compression.js";
import { encodeMessage } from "../framing.js";
import type { CallMethod, CallOwner, CallStatus, MetadataEntries, TransportCall } from "../http2-call.js";
import { RequestMetadata } from "../metadata.js";
import { Code } from "../status.js";
import type { CallBodyListener, CallIO, CallProtocol } from "./call-io.js";

const noop = (): void => {};

function onDeadline(call: WebTransportCall): void {
  call.fail(Code.DEADLINE_EXCEEDED, "Deadline exceeded");
}

/** What the call tells the connection it runs on (an HTTP/2 session counts its streams). */
export interface CallTracker {
  streamOpened(): void;
  streamClosed(): void;
}

export class WebTransportCall extends CallReader implements TransportCall, CallBodyListener {
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly io: CallIO,
    method: CallMethod,
    private readonly peer: string,
    /** Client deadline, epoch ms (`Infinity`: none). */
    private readonly deadlineMs: number,
    requestEncoding: Encoding,
    private readonly tracker: CallTracker | undefined,
  ) {
    super(method, requestEncoding, undefined);
    tracker?.streamOpened();
    io.onClose(() => this.closed());
  }

  get protocol(): CallProtocol {
    return this.io.protocol;
  }

  start(listener: CallOwner, metadata: RequestMetadata | undefined, refusal?: { code: number; details: string }): void {
    this.listener = listener;
    if (refusal !== undefined) {
      listener.onTransportError(refusal.code, refusal.details);
      return;
    }
    if (this.deadlineMs !== Infinity) {
      const ms = this.deadlineMs - Date.now();
      if (ms > 0) this.timer = setTimeout(onDeadline, ms, this);
    }
    this.io.readBody(this);
    listener.onReceiveMetadata(metadata ?? new RequestMetadata(this.io.headers as Record<string, string | string[] | undefined>));
  }

  getPeer(): string {
    return this.peer;
  }

  getDeadline(): number {
    return this.deadlineMs;
  }

  get aborted(): boolean {
    return this.io.clientGone;
  }

  // ---- reading (the rest is CallReader's) ----

  /** CallBodyListener: body bytes. */
  data(chunk: Uint8Array): void {
    this.receive(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** CallBodyListener: the body is complete. */
  end(): void {
    this.receiveEnd();
  }

  /** CallBodyListener: the body cannot be used. */
  error(error: ServerError): void {
    this.fail(error.code, error.details);
  }

  protected pauseInput(): void {
    this.io.pause();
  }

  protected resumeInput(): void {
    this.io.resume();
  }

  // ---- writing ----

  sendMetadata(metadata: MetadataEntries | null): void {
    if ((this.flags & (STATUS_SENT | CLOSED)) !== 0) return;
    this.io.sendHeaders(metadata);
  }

  sendMessage(message: unknown, done: () => void): void {
    if ((this.flags & (STATUS_SENT | CLOSED)) !== 0) {
      done();
      return;
    }
    const body = this.encodeResponse(message);
    if (body === undefined) {
      done();
      return;
    }
    // Responses are not compressed: gRPC-Web clients do not ask for it (browsers compress HTTP).
    if (this.io.writeMessage(encodeMessage(body))) process.nextTick(done);
    else this.io.onDrain(done);
  }

  sendResponse(message: unknown, status: CallStatus): void {
    this.sendMessage(message, noop);
    this.sendStatus(status);
  }

  sendStatus(status: CallStatus, header: MetadataEntries | null = null): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    this.flags |= STATUS_SENT;
    this.clearTimer();
    this.stopReading();
    if ((this.flags & CLOSED) !== 0) return;
    if (header !== null) this.io.sendHeaders(header);
    this.io.end(status.code, status.details, status.metadata);
  }

  /** Ends the call with an error the transport found, through the runtime (which logs it). */
  fail(code: number, details: string): void {
    if ((this.flags & STATUS_SENT) !== 0) return;
    if (this.listener !== undefined) this.listener.onTransportError(code, details);
    this.sendStatus({ code, details, metadata: null });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private closed(): void {
    if ((this.flags & CLOSED) !== 0) return;
    this.flags |= CLOSED;
    this.clearTimer();
    this.tracker?.streamClosed();
    this.listener?.onCancel();
  }
}
