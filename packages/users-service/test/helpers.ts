// Shared test helpers: a fake call context for calling handlers directly, and error inspection.
import { type CallContext, Metadata } from "nice-grpc-common";
import { BadRequest, RichServerError } from "nice-grpc-error-details";

export function callContext(signal: AbortSignal = new AbortController().signal): CallContext {
  return {
    signal,
    metadata: Metadata(),
    peer: "ipv4:127.0.0.1:1",
    header: Metadata(),
    trailer: Metadata(),
    sendHeader() {},
  } as CallContext;
}

/** Runs `fn`, expects a gRPC error, and returns its code, message and field violations. */
export async function grpcError(
  fn: () => unknown,
): Promise<{ code: number; message: string; fields: string[]; violations: { field: string; description: string }[] }> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof RichServerError) && !(error && typeof error === "object" && "code" in error)) throw error;
    const e = error as RichServerError;
    const violations = (e.extra ?? [])
      .filter((d): d is BadRequest => d.$type === BadRequest.$type)
      .flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
    return { code: e.code, message: e.details, fields: violations.map((v) => v.field), violations };
  }
  throw new Error("expected a gRPC error, but the call succeeded");
}

export async function collect<T>(iterable: AsyncIterable<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
