// Innermost: one attempt over fetch. Adds the request headers (grpc-timeout for what is left of the
// deadline, authorization, the client's metadata, W3C trace context through the OpenTelemetry API
// the page passed, see internal/trace-context.ts), and turns whatever the fetch
// transport throws into a CallError with the details decoded from the trailers (a fetch that fails
// before any response header is already UNAVAILABLE there, as gRPC reports a connection that could
// not be made).
import { CallError, ClientError, decodeStatusDetails, Metadata, Status, type TokenSource } from "@org/client-core";
import type { ClientMiddleware } from "nice-grpc-common";
import type { ChainCallOptions } from "../internal/call-state.js";
import { encodeGrpcTimeout } from "../internal/grpc-timeout.js";
import { injectTraceContext, type TracingApi } from "../internal/trace-context.js";

export interface AttemptSetup {
  metadata: Record<string, string> | undefined;
  tokens: TokenSource | undefined;
  tracing: TracingApi | undefined;
}

export function attemptMiddleware(setup: AttemptSetup): ClientMiddleware<ChainCallOptions> {
  return async function* attemptMiddleware(call, options) {
    const { deadlineAt, deadlineMs: _ms, deadline: _d, retry: _r, maxAttempts: _m, ...rest } = options;
    const metadata = Metadata(options.metadata);
    for (const [key, value] of Object.entries(setup.metadata ?? {})) if (!metadata.has(key)) metadata.set(key, value);
    if (setup.tokens !== undefined && !metadata.has("authorization")) metadata.set("authorization", await setup.tokens.get());
    if (setup.tracing !== undefined) injectTraceContext(setup.tracing, metadata);
    if (deadlineAt !== undefined) {
      const remaining = deadlineAt - Date.now();
      if (remaining <= 0) throw new CallError(call.method.path, Status.DEADLINE_EXCEEDED, "Deadline exceeded before the call started");
      metadata.set("grpc-timeout", encodeGrpcTimeout(remaining));
    }
    let header: Metadata | undefined;
    let trailers: Metadata | undefined;
    try {
      return yield* call.next(call.request, {
        ...rest,
        metadata,
        onHeader(value) {
          header = value;
          options.onHeader?.(value);
        },
        onTrailer(value) {
          trailers = value;
          options.onTrailer?.(value);
        },
      });
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.code === Status.UNAUTHENTICATED) setup.tokens?.invalidate();
      throw new CallError(call.method.path, error.code, error.details, {
        trailers,
        header,
        details: decodeStatusDetails(trailers),
        cause: error,
      });
    }
  };
}
