// One attempt of a unary call, made on grpc-js directly instead of through nice-grpc's client
// method: nice-grpc creates an AbortController and an async generator per call, builds the
// request metadata through its Metadata type even when there is none, copies every request
// (Buffer.from), and converts the response header and trailers into nice-grpc Metadata whenever
// a caller listens for them (the attempt middleware always does, to build a CallError). Here the
// grpc-js metadata is kept as it arrives and converted only when a call fails or the caller asked
// for it; the deadline goes to grpc-js as a call option.
import { type Client as GrpcClient, Metadata as GrpcMetadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { AbortError } from "abort-controller-x";
import { ClientError, Metadata } from "nice-grpc-common";

/** What a unary method needs to be called on grpc-js. */
export interface UnaryMethod {
  path: string;
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

/** The outcome of an attempt: the response, or the error with what the server sent. */
export interface UnaryOutcome {
  response?: unknown;
  /** nice-grpc's ClientError (or AbortError when `signal` aborted). */
  error?: unknown;
  /** Raw response header, when the server sent one. */
  header: GrpcMetadata | undefined;
  /** Raw trailers, when the call reached a status. */
  trailers: GrpcMetadata | undefined;
}

interface TsProtoMessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
  fromPartial?(object: unknown): unknown;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The unary methods of a ts-proto or grpc-js service definition, by path. */
export function unaryMethods(definition: object): Map<string, UnaryMethod> {
  const methods = new Map<string, UnaryMethod>();
  const def = definition as Record<string, any>;
  if (typeof def.fullName === "string" && typeof def.methods === "object" && def.methods !== null) {
    for (const m of Object.values(def.methods as Record<string, any>)) {
      if (m.requestStream || m.responseStream) continue;
      const requestType = m.requestType as TsProtoMessageType;
      const responseType = m.responseType as TsProtoMessageType;
      const { encode, fromPartial } = requestType;
      const path = `/${def.fullName}/${m.name}`;
      methods.set(path, {
        path,
        // As nice-grpc: fromPartial fills what a caller left out of the request.
        serialize:
          fromPartial !== undefined
            ? (value) => asBuffer(encode(fromPartial(value)).finish())
            : (value) => asBuffer(encode(value).finish()),
        deserialize: (bytes) => responseType.decode(bytes),
      });
    }
    return methods;
  }
  for (const m of Object.values(def)) {
    if (m.requestStream || m.responseStream || typeof m.path !== "string") continue;
    methods.set(m.path, {
      path: m.path,
      serialize: (value) => asBuffer(m.requestSerialize(value)),
      deserialize: (bytes) => m.responseDeserialize(bytes),
    });
  }
  return methods;
}

/** nice-grpc metadata → grpc-js metadata (as nice-grpc's convertMetadataToGrpcJs). */
export function toGrpcMetadata(metadata: Metadata | undefined): GrpcMetadata {
  const grpc = new GrpcMetadata();
  if (metadata === undefined) return grpc;
  for (const [key, values] of metadata) {
    for (const value of values) grpc.add(key, typeof value === "string" ? value : Buffer.from(value));
  }
  return grpc;
}

/** grpc-js metadata → nice-grpc metadata (as nice-grpc's convertMetadataFromGrpcJs). */
export function fromGrpcMetadata(grpc: GrpcMetadata | undefined): Metadata {
  const metadata = Metadata();
  if (grpc === undefined) return metadata;
  for (const key of Object.keys(grpc.getMap())) metadata.set(key, grpc.get(key) as string[] | Buffer[]);
  return metadata;
}

/**
 * Makes one unary call; resolves (never rejects) with its outcome. `signal` cancels it (the
 * outcome's error is then an AbortError, as with nice-grpc); `deadlineAt` is epoch ms. The
 * trailers of a successful call are kept only with `wantTrailers`.
 */
export function callUnary(
  client: GrpcClient,
  method: UnaryMethod,
  request: unknown,
  metadata: Metadata | undefined,
  deadlineAt: number | undefined,
  signal: AbortSignal | undefined,
  wantTrailers: boolean,
): Promise<UnaryOutcome> {
  return new Promise<UnaryOutcome>((resolve) => {
    const outcome: UnaryOutcome = { header: undefined, trailers: undefined };
    if (signal?.aborted) {
      outcome.error = new AbortError();
      resolve(outcome);
      return;
    }
    let onAbort: (() => void) | undefined;
    const call = client.makeUnaryRequest(
      method.path,
      method.serialize,
      method.deserialize,
      request,
      toGrpcMetadata(metadata),
      deadlineAt === undefined ? {} : { deadline: deadlineAt },
      (err: ServiceError | null, response?: unknown) => {
        if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
        if (outcome.error !== undefined) return; // aborted first
        if (err != null) outcome.error = new ClientError(method.path, err.code, err.details);
        else outcome.response = response;
        // A failed call's trailers come with its error (for a CallError).
        outcome.trailers ??= err?.metadata;
        resolve(outcome);
      },
    );
    call.on("metadata", (header: GrpcMetadata) => {
      outcome.header = header;
    });
    if (wantTrailers) {
      call.on("status", (status: StatusObject) => {
        outcome.trailers = status.metadata;
      });
    }
    if (signal !== undefined) {
      onAbort = () => {
        outcome.error = new AbortError();
        call.cancel();
        resolve(outcome);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}
