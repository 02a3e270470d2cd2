import { describe, expect, it } from "vitest";
import type { ServerCall } from "../internal/server-call.js";
import { type StreamEnd, StreamRun } from "./stream-run.js";

/** A call whose writes `write` decides, and a run that resolves with how it ended. */
function runOf(responses: () => unknown, write: (message: unknown) => Promise<void> | undefined = () => undefined) {
  const written: unknown[] = [];
  const call = {
    write(message: unknown) {
      written.push(message);
      return write(message);
    },
  } as unknown as ServerCall;
  const ended = new Promise<{ failed: boolean; error: unknown }>((resolve) => {
    const end: StreamEnd = { ended: (_run, failed, error) => resolve({ failed, error }) };
    new StreamRun(call, 0, end).run(responses as never, undefined);
  });
  return { written, ended };
}

describe("StreamRun", () => {
  it("writes every response, waiting for the writes that ask for it", async () => {
    let waits = 0;
    const { written, ended } = runOf(
      async function* () {
        yield 1;
        yield 2;
        yield 3;
      },
      () => (++waits === 2 ? Promise.resolve() : undefined),
    );
    expect(await ended).toEqual({ failed: false, error: undefined });
    expect(written).toEqual([1, 2, 3]);
  });

  it("closes the handler's generator when a write fails, then ends with the write's error", async () => {
    const error = new Error("cancelled");
    let closed = false;
    const { written, ended } = runOf(
      async function* () {
        try {
          yield 1;
          yield 2;
        } finally {
          closed = true;
        }
      },
      () => Promise.reject(error),
    );
    expect(await ended).toEqual({ failed: true, error });
    expect(written).toEqual([1]);
    expect(closed).toBe(true);
  });

  it("ends with what the handler throws, before or after responses", async () => {
    const error = new Error("boom");
    expect(
      await runOf(() => {
        throw error;
      }).ended,
    ).toEqual({ failed: true, error });
    const { written, ended } = runOf(async function* () {
      yield 1;
      throw error;
    });
    expect(await ended).toEqual({ failed: true, error });
    expect(written).toEqual([1]);
  });

  it("takes what for await takes: a sync iterable, and refuses a non-iterable", async () => {
    const { written, ended } = runOf(() => [1, 2]);
    expect(await ended).toEqual({ failed: false, error: undefined });
    expect(written).toEqual([1, 2]);
    const refused = await runOf(() => 42).ended;
    expect(refused.failed).toBe(true);
    expect(refused.error).toBeInstanceOf(TypeError);
  });
});
