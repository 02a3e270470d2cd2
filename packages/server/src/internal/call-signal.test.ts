import { once } from "node:events";
import { abortable, isAbortError } from "abort-controller-x";
import { describe, expect, it } from "vitest";
import { abortSource, newSignalSource, signalOf } from "./call-signal.js";

function newSignal() {
  const source = newSignalSource();
  return { source, signal: signalOf(source) };
}

describe("a call's signal", () => {
  it("is an AbortSignal, not aborted", () => {
    const { signal } = newSignal();
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(Object.getPrototypeOf(signal)).toBe(AbortSignal.prototype);
    expect(signal.aborted).toBe(false);
    expect(signal.reason).toBeUndefined();
    expect(() => signal.throwIfAborted()).not.toThrow();
  });

  it("aborts as AbortController.abort() does: one trusted event per listener, an AbortError reason", () => {
    const { source, signal } = newSignal();
    const events: Event[] = [];
    signal.addEventListener("abort", (event) => events.push(event), { once: true });
    let onabort = 0;
    signal.onabort = () => onabort++;
    abortSource(source);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe("AbortError");
    expect(events).toHaveLength(1);
    expect(events[0]!.isTrusted).toBe(true);
    expect(events[0]!.type).toBe("abort");
    expect(onabort).toBe(1);
    expect(() => signal.throwIfAborted()).toThrow(signal.reason as DOMException);
    abortSource(source); // a second abort changes nothing
    expect(events).toHaveLength(1);
    expect(onabort).toBe(1);
  });

  it("aborts the signals AbortSignal.any made from it", () => {
    const { source, signal } = newSignal();
    const other = new AbortController();
    const any = AbortSignal.any([other.signal, signal]);
    let events = 0;
    any.addEventListener("abort", () => events++);
    abortSource(source);
    expect(any.aborted).toBe(true);
    expect(any.reason).toBe(signal.reason);
    expect(events).toBe(1);
  });

  it("works with node:events and abort-controller-x", async () => {
    const { source, signal } = newSignal();
    const waiting = once(new EventTarget(), "never", { signal });
    const pending = abortable(signal, new Promise(() => {}));
    abortSource(source);
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    const error = await pending.catch((err: unknown) => err);
    expect(isAbortError(error)).toBe(true);
  });

  // Where it saves memory, the signal must not fall back to an AbortController unnoticed.
  it.runIf(Number(process.versions.node.split(".")[0]) < 22)("is made without an AbortController before Node 22", () => {
    expect(newSignalSource()).toBeInstanceOf(AbortSignal);
  });

  it("signals are independent of one another", () => {
    const a = newSignal();
    const b = newSignal();
    abortSource(a.source);
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
  });
});
