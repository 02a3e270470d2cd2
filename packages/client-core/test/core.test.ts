// The shared pieces on their own: status details as a server encodes them, CallError's decoded
// fields and request id, retry throttling and token caching.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import * as niceGrpcCommon from "nice-grpc-common";
import { Metadata, Status } from "nice-grpc-common";
import { Any, BadRequest, ErrorInfo, RetryInfo } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";
import { CallError, decodeStatusDetails, isInvalidArgument, RetryBudget, TokenSource, toCallError } from "../src/index.js";

/** Encodes a google.rpc.Status the way a server puts it in `grpc-status-details-bin`. */
function statusBytes(code: Status, message: string, details: Any[]): Uint8Array {
  const writer = new BinaryWriter();
  writer.uint32(8).int32(code);
  writer.uint32(18).string(message);
  for (const any of details) writer.uint32(26).bytes(Any.encode(any).finish());
  return writer.finish();
}

const pack = (type: string, value: Uint8Array): Any => Any.fromPartial({ typeUrl: `type.googleapis.com/${type}`, value });

describe("decodeStatusDetails + CallError", () => {
  it("decodes BadRequest, RetryInfo and ErrorInfo and reads the request id from the trailers", () => {
    const trailers = Metadata();
    trailers.set(
      "grpc-status-details-bin",
      statusBytes(Status.INVALID_ARGUMENT, "bad", [
        pack(
          "google.rpc.BadRequest",
          BadRequest.encode(BadRequest.fromPartial({ fieldViolations: [{ field: "user.email", description: "not an email" }] })).finish(),
        ),
        pack("google.rpc.RetryInfo", RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 1, nanos: 250_000_000 } })).finish()),
        pack(
          "google.rpc.ErrorInfo",
          ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "EMAIL", domain: "users.org", metadata: { a: "b" } })).finish(),
        ),
        pack("example.Unknown", new Uint8Array([1, 2])),
      ]),
    );
    trailers.set("x-request-id", "req-42");
    const details = decodeStatusDetails(trailers);
    expect(details).toHaveLength(4);
    const error = new CallError("/p/M", Status.INVALID_ARGUMENT, "bad", { trailers, details });
    expect(isInvalidArgument(error)).toBe(true);
    expect(error.badRequest).toEqual({ fieldViolations: [{ field: "user.email", description: "not an email" }] });
    expect(error.retryInfo).toEqual({ retryDelayMs: 1250 });
    expect(error.errorInfo).toEqual({ reason: "EMAIL", domain: "users.org", metadata: { a: "b" } });
    expect(error.requestId).toBe("req-42");
  });

  it("decodes exactly what nice-grpc-error-details' own decoders produce", () => {
    const badRequest = BadRequest.encode(
      BadRequest.fromPartial({
        fieldViolations: [
          { field: "a", description: "b" },
          { field: "c", description: "" },
        ],
      }),
    ).finish();
    const retryInfo = RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 3, nanos: 5 } })).finish();
    const errorInfo = ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "R", domain: "D", metadata: { k1: "v1", k2: "" } })).finish();
    const other = new Uint8Array([8, 1]);
    const trailers = Metadata();
    trailers.set(
      "grpc-status-details-bin",
      statusBytes(Status.UNAVAILABLE, "x", [
        pack("google.rpc.BadRequest", badRequest),
        pack("google.rpc.RetryInfo", retryInfo),
        pack("google.rpc.ErrorInfo", errorInfo),
        pack("google.rpc.DebugInfo", other),
      ]),
    );
    expect(decodeStatusDetails(trailers)).toEqual([
      BadRequest.decode(badRequest),
      RetryInfo.decode(retryInfo),
      ErrorInfo.decode(errorInfo),
      Any.fromPartial({ typeUrl: "type.googleapis.com/google.rpc.DebugInfo", value: other }),
    ]);
  });

  it("returns undefined for malformed details instead of throwing", () => {
    const trailers = Metadata();
    trailers.set("grpc-status-details-bin", new Uint8Array([26, 200]));
    expect(decodeStatusDetails(trailers)).toBeUndefined();
    expect(decodeStatusDetails(Metadata())).toBeUndefined();
  });

  it("turns client-side aborts into CANCELLED and other throws into INTERNAL", () => {
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(toCallError(abort, "/p/M").code).toBe(Status.CANCELLED);
    expect(toCallError(new TypeError("boom"), "/p/M").code).toBe(Status.INTERNAL);
  });
});

describe("RetryBudget", () => {
  it("stops allowing retries once half the bucket is spent and recovers with successes", () => {
    const budget = new RetryBudget(10, 1);
    for (let i = 0; i < 5; i++) budget.onFailure();
    expect(budget.allowsRetry()).toBe(false);
    budget.onSuccess();
    expect(budget.allowsRetry()).toBe(true);
    expect(() => new RetryBudget(0, 1)).toThrow(TypeError);
  });
});

describe("TokenSource", () => {
  it("shares one refresh between concurrent callers and refreshes after invalidate", async () => {
    let calls = 0;
    const source = new TokenSource(async () => ({ token: `t${++calls}` }));
    const [a, b] = await Promise.all([source.get(), source.get()]);
    expect([a, b, calls]).toEqual(["Bearer t1", "Bearer t1", 1]);
    expect(source.get()).toBe("Bearer t1");
    source.invalidate();
    expect(await source.get()).toBe("Bearer t2");
  });
});

describe("nice-grpc-common", () => {
  it("re-exports its very ClientError, Metadata and Status, so errors pass nice-grpc's checks", () => {
    expect(core.ClientError).toBe(niceGrpcCommon.ClientError);
    expect(core.Metadata).toBe(niceGrpcCommon.Metadata);
    expect(core.Status).toBe(niceGrpcCommon.Status);
    const error = new CallError("/a.B/C", Status.NOT_FOUND, "gone");
    expect(error).toBeInstanceOf(niceGrpcCommon.ClientError);
    expect(core.isNotFound(new niceGrpcCommon.ClientError("/a.B/C", Status.NOT_FOUND, "gone"))).toBe(true);
  });
});
