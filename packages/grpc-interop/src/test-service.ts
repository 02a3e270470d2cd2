// grpc.testing.TestService as the interop cases (grpc/grpc doc/interop-test-descriptions.md) expect
// a server to behave: payloads of the sizes asked for, the status asked for, and the echo of the
// x-grpc-test-echo-initial / x-grpc-test-echo-trailing-bin request metadata.
//
// Not possible on @org/server today: seeing whether a request message arrived compressed
// (`expect_compressed`) and compressing one response message on request (`response_compressed`,
// `compressed`): nice-grpc hands handlers decoded messages only. Requests that expect compression
// are served as if it were there, so the compression probes of client_compressed_* are not
// rejected (see the README's table of known failures).
import { setTimeout as sleep } from "node:timers/promises";
import type { CallContext } from "nice-grpc-common";
import { ServerError, Status } from "nice-grpc-common";
import type { EchoStatus, ResponseParameters, StreamingOutputCallResponse } from "./gen/grpc/testing/messages.js";
import type { TestServiceImplementation } from "./gen/grpc/testing/test.js";

export const ECHO_INITIAL = "x-grpc-test-echo-initial";
export const ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";

function payload(size: number) {
  if (size < 0) throw new ServerError(Status.INVALID_ARGUMENT, `payload size must not be negative, got ${size}`);
  return { type: 0, body: Buffer.alloc(size) };
}

function echoMetadata(context: CallContext): void {
  const initial = context.metadata.get(ECHO_INITIAL);
  if (initial !== undefined) context.header.set(ECHO_INITIAL, initial);
  const trailing = context.metadata.get(ECHO_TRAILING);
  if (trailing !== undefined) context.trailer.set(ECHO_TRAILING, trailing);
}

function endWith(status: EchoStatus | undefined): void {
  if (status && status.code !== 0) throw new ServerError(status.code as Status, status.message);
}

async function* respond(parameters: readonly ResponseParameters[], signal: AbortSignal): AsyncGenerator<StreamingOutputCallResponse> {
  for (const { size, intervalUs } of parameters) {
    if (intervalUs > 0) await sleep(intervalUs / 1000, undefined, { signal });
    yield { payload: payload(size) };
  }
}

/** The TestService implementation; UnimplementedCall is left out, so it answers UNIMPLEMENTED. */
export function testService(): Omit<TestServiceImplementation, "unimplementedCall"> {
  const unary: TestServiceImplementation["unaryCall"] = async (request, context) => {
    echoMetadata(context);
    endWith(request.responseStatus);
    return { payload: payload(request.responseSize) };
  };
  return {
    async emptyCall(_request, context) {
      echoMetadata(context);
      return {};
    },
    unaryCall: unary,
    cacheableUnaryCall: unary,
    async *streamingOutputCall(request, context) {
      echoMetadata(context);
      yield* respond(request.responseParameters, context.signal);
      endWith(request.responseStatus);
    },
    async streamingInputCall(requests, context) {
      echoMetadata(context);
      let size = 0;
      for await (const request of requests) size += request.payload?.body.length ?? 0;
      return { aggregatedPayloadSize: size };
    },
    async *fullDuplexCall(requests, context) {
      echoMetadata(context);
      for await (const request of requests) {
        endWith(request.responseStatus);
        yield* respond(request.responseParameters, context.signal);
      }
    },
    async *halfDuplexCall(requests, context) {
      echoMetadata(context);
      const all = [];
      for await (const request of requests) all.push(request);
      for (const request of all) {
        endWith(request.responseStatus);
        yield* respond(request.responseParameters, context.signal);
      }
    },
  };
}
