/*
 * The request messages of a client-streaming or bidi call as an async iterable. Reads ahead a few
 * messages (the transport delivers one per `startRead`, pausing the HTTP/2 stream otherwise, so a slow
 * handler applies backpressure to the client). Ends when the client half-closes or the call ends.
 */
import { AbortError } from "abort-controller-x";

/** Request messages read ahead for a request stream. */
const READ_AHEAD = 16;

export class RequestStream implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly queue: unknown[] = [];
  private ended = false;
  /** Set when the call ended before the client half-closed: iteration throws it. */
  private error: AbortError | undefined = undefined;
  private reading = false;
  private waiter: { resolve(result: IteratorResult<unknown>): void; reject(error: unknown): void } | undefined = undefined;
  private iterated = false;

  constructor(private readonly call: { startRead(): void }) {}

  push(message: unknown): void {
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: message, done: false });
    } else {
      this.queue.push(message);
    }
    this.readMore();
  }

  /** The client half-closed: iteration ends after the queued messages. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.reading = false;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
    }
  }

  /** The call ended first (cancelled, deadline, shutdown): iteration throws an AbortError. */
  abort(): void {
    if (this.ended) return;
    this.ended = true;
    this.reading = false;
    this.queue.length = 0;
    this.error = new AbortError();
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.reject(this.error);
    }
  }

  private readMore(): void {
    if (this.ended || this.reading || this.queue.length >= READ_AHEAD) return;
    this.reading = true;
    this.call.startRead();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.iterated) throw new Error("the request stream can be iterated only once");
    this.iterated = true;
    this.readMore();
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift();
      this.readMore();
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    this.readMore();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    // The handler stopped reading: drop what is queued; the call itself goes on.
    this.queue.length = 0;
    this.ended = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}
