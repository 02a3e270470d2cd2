// Awaiting a call that must fail, and getting its CallError to assert on.
import { CallError } from "@org/client";

export async function callError(promise: Promise<unknown> | (() => Promise<unknown>)): Promise<CallError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    if (error instanceof CallError) return error;
    throw new Error(`expected a CallError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Drains a stream, returning what arrived and the CallError it ended with (if any). */
export async function drain<T>(stream: AsyncIterable<T>, limit = 100_000): Promise<{ items: T[]; error: CallError | undefined }> {
  const items: T[] = [];
  try {
    for await (const item of stream) {
      items.push(item);
      if (items.length >= limit) break;
    }
  } catch (error) {
    if (error instanceof CallError) return { items, error };
    throw error;
  }
  return { items, error: undefined };
}
