// Innermost middleware, once per attempt: gives grpc-js the call's deadline (so it is enforced and
// sent as `grpc-timeout`), keeps the response header and trailers, and turns a failed attempt
// into a CallError carrying the decoded rich details. Unary calls go to grpc-js directly (see
// internal/unary-call.ts); streams through nice-grpc.
import type { Client as GrpcClient, Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { CallError, decodeStatusDetails } from "@org/client-core";
import { type CallOptions, ClientError, type ClientMiddleware, type ClientMiddlewareCall, type Metadata } from "nice-grpc-common";
import type { ChainCallOptions } from "../internal/call-options.js";
import { tidyStatusMessage } from "../internal/grpc-js-message.js";
import { callUnary, fromGrpcMetadata, type UnaryMethod } from "../internal/unary-call.js";
import { setPendingDeadline } from "../internal/wire-deadline.js";

export interface AttemptMiddlewareOptions {
  /** grpc-js client on the channel, for unary calls. */
  client: GrpcClient;
  /** The unary methods of the definition, by path. */
  unary: ReadonlyMap<string, UnaryMethod>;
}

function callError(error: ClientError, header: Metadata | undefined, trailers: Metadata | undefined): CallError {
  return new CallError(error.path, error.code, tidyStatusMessage(error.details), {
    trailers,
    header,
    details: decodeStatusDetails(trailers),
    cause: error,
  });
}

export function attemptMiddleware({ client, unary }: AttemptMiddlewareOptions): ClientMiddleware<ChainCallOptions> {
  // biome-ignore lint/correctness/useYield: a unary attempt returns its response; nice-grpc middleware must be a generator
  async function* unaryAttempt(method: UnaryMethod, request: unknown, options: CallOptions & ChainCallOptions) {
    const { onHeader, onTrailer } = options;
    const outcome = await callUnary(client, method, request, options.metadata, options.deadlineAt, options.signal, onTrailer !== undefined);
    // Converted to nice-grpc Metadata only when someone looks.
    let header: Metadata | undefined;
    if (onHeader !== undefined && outcome.header !== undefined) onHeader((header = fromGrpcMetadata(outcome.header)));
    let trailers: Metadata | undefined;
    if (onTrailer !== undefined && outcome.trailers !== undefined) onTrailer((trailers = fromGrpcMetadata(outcome.trailers)));
    const { error } = outcome;
    if (error === undefined) return outcome.response;
    if (error instanceof CallError || !(error instanceof ClientError)) throw error;
    throw callError(error, header ?? converted(outcome.header), trailers ?? converted(outcome.trailers));
  }

  return function attemptMiddleware(call, options) {
    const method = unary.get(call.method.path);
    if (method !== undefined && !call.requestStream && !call.responseStream) return unaryAttempt(method, call.request, options) as never;
    return streamAttempt(call, options);
  };
}

function converted(grpc: GrpcMetadata | undefined): Metadata | undefined {
  return grpc === undefined ? undefined : fromGrpcMetadata(grpc);
}

async function* streamAttempt<Req, Res>(
  call: ClientMiddlewareCall<Req, Res>,
  options: CallOptions & ChainCallOptions,
): AsyncGenerator<Res, Res | void, undefined> {
  const { deadlineAt, retry: _retry, maxAttempts: _maxAttempts, onHeader, onTrailer, ...others } = options;
  const rest: CallOptions = others;
  let header: Metadata | undefined;
  let trailers: Metadata | undefined;
  rest.onHeader = (received) => {
    header = received;
    onHeader?.(received);
  };
  rest.onTrailer = (received) => {
    trailers = received;
    onTrailer?.(received);
  };
  const generator = call.next(call.request as never, rest) as AsyncGenerator<Res, Res | void, undefined>;
  // The first step runs synchronously down to grpc-js `createCall`, which takes the deadline.
  setPendingDeadline(deadlineAt);
  const first = generator.next();
  setPendingDeadline(undefined);
  let done = false;
  try {
    let result = await first;
    while (!result.done) {
      yield result.value;
      result = await generator.next();
    }
    done = true;
    return result.value;
  } catch (error) {
    done = true;
    if (error instanceof CallError || !(error instanceof ClientError)) throw error;
    throw callError(error, header, trailers);
  } finally {
    // The consumer stopped early (break out of a stream): close the inner generator too.
    if (!done) await generator.return(undefined as never);
  }
}
