/*
 * The gRPC server under @org/server: nice-grpc's server API (the same service definitions,
 * implementations and middleware, `use`/`with`/`add`/`listen`), with @org/server's own call
 * handling (see server-call.ts) on its own HTTP/2 transport (see ../transport/). Each method of
 * an added service becomes a transport route whose calls call-control.ts runs. The built-in core
 * steps run as plain functions around the chain; the rest of the middleware is composed the
 * nice-grpc way, and only when there is some.
 */
import { normalizeServiceDefinition } from "@org/api/service-definition";
import type { CompatServiceDefinition } from "nice-grpc";
import {
  type CallContext,
  composeServerMiddleware,
  type MethodDescriptor,
  type ServerMiddleware,
  type ServerMiddlewareCall,
} from "nice-grpc-common";
import type { Core, InternalCallContext, StreamNext, UnaryNext } from "../middleware/core.js";
import { framedEncoder } from "../transport/framed-encoder.js";
import { Http2Transport, type Http2TransportOptions } from "../transport/server.js";
import type { CallControl } from "./call-control.js";

/** A method of any supported definition kind (ts-proto, grpc-js, nice-grpc), normalised. */
interface Method {
  key: string;
  descriptor: MethodDescriptor;
  requestDeserialize(bytes: Uint8Array): unknown;
  responseSerialize(value: unknown): Uint8Array;
  /** The response as one uncompressed frame, for ts-proto types on @bufbuild/protobuf's writer. */
  responseFrame: ((value: unknown) => Buffer) | undefined;
}

/** The methods of a ts-proto, grpc-js or nice-grpc service definition (@org/api's shared reader). */
export function serviceMethods(definition: CompatServiceDefinition): Method[] {
  return normalizeServiceDefinition(definition).methods.map((m) => ({
    key: m.key,
    descriptor: { path: m.path, requestStream: m.requestStream, responseStream: m.responseStream, options: m.options },
    requestDeserialize: m.requestDeserialize,
    responseSerialize: m.responseSerialize,
    responseFrame: framedEncoder(m.responseType),
  }));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && Symbol.asyncIterator in (value as object);
}

type AnyMiddleware = ServerMiddleware<any, any>;
type Implementation = (request: any, context: any) => any;

/** Drives a composed middleware generator of a single-response method (nice-grpc's checks). */
async function driveUnary(iterable: AsyncGenerator<unknown, unknown, undefined>): Promise<unknown> {
  let result = await iterable.next();
  while (true) {
    if (!result.done) {
      result = await iterable.throw(new Error("A middleware yielded a message, but expected to only return a message for unary method"));
      continue;
    }
    if (result.value == null) {
      result = await iterable.throw(new Error("A middleware returned void, but expected to return a message for unary method"));
      continue;
    }
    return result.value;
  }
}

/** The chain after the built-in core steps: middleware (if any), then the implementation. */
function chain(
  descriptor: MethodDescriptor,
  implementation: Implementation,
  middleware: AnyMiddleware | undefined,
): UnaryNext | StreamNext {
  const { requestStream, responseStream } = descriptor;
  if (middleware === undefined) {
    return (request, context) => implementation(request, context);
  }
  const kind = requestStream
    ? responseStream
      ? "bidirectional streaming"
      : "client streaming"
    : responseStream
      ? "server streaming"
      : "unary";
  const checkRequest = (request: unknown) => {
    if (isAsyncIterable(request) !== requestStream) {
      throw new Error(
        `A middleware passed invalid request to next(): expected ${requestStream ? "a stream of messages" : "a single message"} for ${kind} method`,
      );
    }
  };
  const next = responseStream
    ? async function* (request: unknown, context: CallContext) {
        checkRequest(request);
        yield* implementation(request, context);
      }
    : // biome-ignore lint/correctness/useYield: a unary handler returns its response through the generator
      async function* (request: unknown, context: CallContext) {
        checkRequest(request);
        return await implementation(request, context);
      };
  const call = (request: unknown, context: InternalCallContext) =>
    middleware({ method: descriptor, requestStream, request, responseStream, next } as ServerMiddlewareCall<unknown, unknown>, context);
  if (responseStream) return call as unknown as StreamNext;
  return (request, context) => driveUnary(call(request, context) as AsyncGenerator<unknown, unknown, undefined>);
}

interface ServiceEntry {
  definition: CompatServiceDefinition;
  implementation: Record<string, Implementation>;
  middleware: AnyMiddleware | undefined;
}

export interface GrpcServerOptions {
  transport: Http2TransportOptions;
  control: CallControl;
  /** The built-in core steps, outermost. */
  core: Core;
}

export interface ServiceAdder {
  with(middleware: AnyMiddleware): ServiceAdder;
  add(definition: CompatServiceDefinition, implementation: object): void;
}

export interface GrpcServer extends ServiceAdder {
  use(middleware: AnyMiddleware): GrpcServer;
  listen(address: string): Promise<number>;
  shutdown(): Promise<void>;
  forceShutdown(): void;
}

const compose = (outer: AnyMiddleware | undefined, inner: AnyMiddleware): AnyMiddleware =>
  outer === undefined ? inner : (composeServerMiddleware(outer, inner) as AnyMiddleware);

export function createGrpcServer(
  options: GrpcServerOptions,
  middleware?: AnyMiddleware,
  shared?: { services: ServiceEntry[]; server?: Http2Transport },
): GrpcServer {
  const state = shared ?? { services: [] as ServiceEntry[], server: undefined as Http2Transport | undefined };

  function adder(mw: AnyMiddleware | undefined): ServiceAdder {
    return {
      with: (next) => adder(compose(mw, next)),
      add(definition, implementation) {
        if (state.server !== undefined) throw new Error("server.add() must be used before listen()");
        state.services.push({ definition, implementation: implementation as Record<string, Implementation>, middleware: mw });
      },
    };
  }

  return {
    use(next) {
      if (state.server !== undefined) throw new Error("server.use() must be used before listen()");
      if (state.services.length > 0) throw new Error("server.use() must be used before adding any services");
      return createGrpcServer(options, compose(middleware, next), state);
    },
    ...adder(middleware),
    async listen(address) {
      if (state.server !== undefined) throw new Error("server.listen() has already been called");
      const server = new Http2Transport(options.transport);
      state.server = server;
      const control = options.control;
      for (const { definition, implementation, middleware: mw } of state.services) {
        for (const method of serviceMethods(definition)) {
          const impl = implementation[method.key];
          if (typeof impl !== "function") throw new Error(`${method.descriptor.path}: no implementation`);
          const bound = impl.bind(implementation) as Implementation;
          const next = chain(method.descriptor, bound, mw);
          const route = method.descriptor.responseStream
            ? options.core.streamRoute(method.descriptor, next as StreamNext)
            : options.core.unaryRoute(method.descriptor, next as UnaryNext);
          server.addRoute(method.descriptor.path, {
            codec: { deserialize: method.requestDeserialize, serialize: method.responseSerialize, frame: method.responseFrame },
            requestStream: method.descriptor.requestStream,
            attach: (call, refusal) => control.open(call, route, refusal),
          });
        }
      }
      try {
        return await server.listen(address);
      } catch (err) {
        state.server = undefined;
        throw err;
      }
    },
    async shutdown() {
      const server = state.server;
      if (server === undefined) return;
      await server.shutdown();
      state.server = undefined;
    },
    forceShutdown() {
      state.server?.forceShutdown();
      state.server = undefined;
    },
  };
}
