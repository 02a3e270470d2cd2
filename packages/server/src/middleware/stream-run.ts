/*
 * The responses of a server-streaming or bidi call written into it, with backpressure, without an
 * async function: an open stream waits in this one object and its two bound reaction functions rather
 * than in an async frame (its registers, its promise and the closures of each await: about 500
 * bytes per idle stream). It does what
 *   for await (const response of responses) { const wait = call.write(response); if (wait) await wait; }
 * does: the same promise ticks, `next()` errors end the call as they are, and a failed write closes
 * the iterator (`return()`, awaited, its own error ignored) before the call ends with the write's
 * error. Iterables that are not async iterables (for which `for await` has its own rules) go
 * through a plain `for await`.
 */
import type { Span } from "@opentelemetry/api";
import type { ServerCall } from "../internal/server-call.js";
import type { StreamNext } from "./core.js";

/** How a run ends: the route settles the call (errors step, log line, metrics, status). */
export interface StreamEnd {
  ended(run: StreamRun, failed: boolean, error: unknown): void;
}

// What the run waits for.
const NOTHING = 0;
const NEXT = 1;
const WRITE = 2;
const WHOLE = 3;

async function writeAll(call: ServerCall, responses: AsyncIterable<unknown>): Promise<void> {
  for await (const response of responses) {
    const wait = call.write(response);
    if (wait !== undefined) await wait;
  }
}

export class StreamRun {
  /** The call's span, when traced. */
  span: Span | undefined = undefined;
  private iterator: AsyncIterator<unknown> | undefined = undefined;
  private next: AsyncIterator<unknown>["next"] | undefined = undefined;
  private waiting = NOTHING;
  // Bound once per run (smaller than two arrow functions and their context).
  private readonly fulfilled: (value: unknown) => void = this.onFulfilled.bind(this);
  private readonly rejected: (error: unknown) => void = this.onRejected.bind(this);

  constructor(
    readonly call: ServerCall,
    /** `performance.now()` when the call started. */
    readonly start: number,
    private readonly end: StreamEnd,
  ) {}

  /** Writes every response `responses(request, call)` gives, then ends. */
  run(responses: StreamNext, request: unknown): void {
    let iterable: AsyncIterable<unknown>;
    let iterator: AsyncIterator<unknown>;
    try {
      iterable = responses(request, this.call);
      const iterate = iterable?.[Symbol.asyncIterator];
      if (typeof iterate !== "function") {
        this.await(writeAll(this.call, iterable));
        return;
      }
      iterator = iterate.call(iterable);
      if (typeof iterator !== "object" || iterator === null)
        throw new TypeError("Result of the Symbol.asyncIterator method is not an object");
      this.next = iterator.next;
    } catch (error) {
      this.finish(true, error);
      return;
    }
    this.iterator = iterator;
    this.pull();
  }

  /** Ends when `promise` settles: its rejection is the call's error. */
  await(promise: Promise<unknown>): void {
    this.waiting = WHOLE;
    promise.then(this.fulfilled, this.rejected);
  }

  /** Ends with `error` (thrown before any response was asked for). */
  fail(error: unknown): void {
    this.finish(true, error);
  }

  private pull(): void {
    let result: unknown;
    try {
      result = this.next!.call(this.iterator);
    } catch (error) {
      this.finish(true, error);
      return;
    }
    this.waiting = NEXT;
    Promise.resolve(result).then(this.fulfilled, this.rejected);
  }

  private onFulfilled(value: unknown): void {
    if (this.waiting === WRITE) {
      this.pull();
      return;
    }
    if (this.waiting !== NEXT) {
      this.finish(false, undefined);
      return;
    }
    if (typeof value !== "object" || value === null) {
      this.finish(true, new TypeError(`Iterator result ${String(value)} is not an object`));
      return;
    }
    const result = value as IteratorResult<unknown>;
    if (result.done) {
      this.finish(false, undefined);
      return;
    }
    let wait: Promise<void> | undefined;
    try {
      wait = this.call.write(result.value);
    } catch (error) {
      this.close(error);
      return;
    }
    if (wait === undefined) this.pull();
    else {
      this.waiting = WRITE;
      wait.then(this.fulfilled, this.rejected);
    }
  }

  private onRejected(error: unknown): void {
    if (this.waiting === WRITE) this.close(error);
    else this.finish(true, error);
  }

  /** A write failed: close the iterator as `for await` does on a throw, then end with `error`. */
  private close(error: unknown): void {
    const iterator = this.iterator!;
    this.waiting = NOTHING;
    let closing: unknown;
    try {
      const close = iterator.return;
      if (close == null) {
        this.finish(true, error);
        return;
      }
      closing = close.call(iterator);
    } catch {
      this.finish(true, error);
      return;
    }
    const end = () => this.finish(true, error);
    Promise.resolve(closing).then(end, end);
  }

  private finish(failed: boolean, error: unknown): void {
    this.waiting = NOTHING;
    this.iterator = undefined;
    this.next = undefined;
    this.end.ended(this, failed, error);
  }
}
