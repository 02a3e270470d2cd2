// Adds the client's static metadata and the bearer token to each call (once per call, before the
// retry middleware, so all attempts carry the same values).

import type { TokenSource } from "@org/client-core";
import { CallError } from "@org/client-core";
import { type ClientMiddleware, Metadata, Status } from "nice-grpc-common";
import type { ChainCallOptions } from "../internal/call-options.js";

export interface MetadataMiddlewareOptions {
  metadata: Record<string, string> | undefined;
  tokens: TokenSource | undefined;
}

export function metadataMiddleware({ metadata, tokens }: MetadataMiddlewareOptions): ClientMiddleware<ChainCallOptions> {
  const entries = Object.entries(metadata ?? {});
  return async function* metadataMiddleware(call, options) {
    const merged = Metadata(options.metadata);
    for (const [key, value] of entries) if (!merged.has(key)) merged.set(key, value);
    if (tokens !== undefined && !merged.has("authorization")) {
      const value = tokens.get();
      merged.set("authorization", typeof value === "string" ? value : await awaitToken(value, call.method.path));
    }
    try {
      return yield* call.next(call.request, { ...options, metadata: merged });
    } catch (error) {
      if (tokens !== undefined && error instanceof CallError && error.code === Status.UNAUTHENTICATED) tokens.invalidate();
      throw error;
    }
  };
}

async function awaitToken(pending: Promise<string>, path: string): Promise<string> {
  try {
    return await pending;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CallError(path, Status.UNAUTHENTICATED, `Could not obtain an access token: ${reason}`, { cause: error });
  }
}
