// Builds a typed gRPC-Web client: our own fetch transport (internal/fetch-call.ts) under the same defaults as
// @org/client (deadlines, retries of idempotent methods with a budget, CallError with decoded
// details, CreateUser's request_id, tokens, W3C trace context).
import { UsersServiceDefinition } from "@org/api/web/org/users/v1";
import {
  ClientError,
  DEFAULT_DEADLINE_MS,
  DEFAULT_RETRY,
  isIdempotent,
  Metadata,
  NEVER_RETRYABLE,
  RetryBudget,
  Status,
  TokenSource,
} from "@org/client-core";
import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc-common";
import type { ChainCallOptions, MethodPolicy } from "./internal/call-state.js";
import { fetchCall } from "./internal/fetch-call.js";
import { attemptMiddleware } from "./middleware/attempt.js";
import { deadlineMiddleware } from "./middleware/deadline.js";
import { retryMiddleware } from "./middleware/retry.js";
import type { WebCallOptions, WebClientOptions } from "./options.js";

/** A message type as ts-proto generates it into `@org/api`. */
export interface WebMessageType<Message = any> {
  encode(message: Message): { finish(): Uint8Array };
  decode(input: Uint8Array): Message;
  fromPartial(object: any): Message;
}

/** A service definition as generated into `@org/api` (ts-proto, `outputServices=generic-definitions`). */
export type WebServiceDefinition = {
  readonly fullName: string;
  readonly methods: {
    readonly [method: string]: {
      readonly name: string;
      readonly requestType: WebMessageType;
      readonly requestStream: boolean;
      readonly responseType: WebMessageType;
      readonly responseStream: boolean;
      readonly options: unknown;
    };
  };
};

type RequestIn<M> = M extends { readonly requestType: { fromPartial(object: infer I): unknown } } ? I : never;
type ResponseOut<M> = M extends { readonly responseType: { decode(input: Uint8Array): infer R } } ? R : never;

/** One method of a `WebClient`: a promise for a unary method, an async iterable for a server stream. */
export type WebClientMethod<M> = M extends { readonly responseStream: true }
  ? (request: RequestIn<M>, options?: CallOptions & WebCallOptions) => AsyncIterable<ResponseOut<M>>
  : (request: RequestIn<M>, options?: CallOptions & WebCallOptions) => Promise<ResponseOut<M>>;

/**
 * A typed gRPC-Web client of `S`: unary methods return promises, server-streaming methods async
 * iterables. Client-streaming and bidi methods are absent (gRPC-Web cannot carry them).
 */
export type WebClient<S extends WebServiceDefinition> = {
  [K in keyof S["methods"] as S["methods"][K] extends { readonly requestStream: true } ? never : K]: WebClientMethod<S["methods"][K]>;
};

/** The gRPC-Web client of `org.users.v1.UsersService`. */
export type UsersWebClient = WebClient<typeof UsersServiceDefinition>;

/** A method of the definition with its client key and full path (also the middleware's `call.method`). */
type MethodInfo = WebServiceDefinition["methods"][string] & { key: string; path: string };

type Options = CallOptions & ChainCallOptions;
type Invoke = (request: unknown, options: Options) => AsyncGenerator<unknown, unknown, undefined>;

/**
 * Creates a typed gRPC-Web client for any service definition of `@org/api`, calling
 * `options.baseUrl` with fetch. Every call has a deadline (sent as `grpc-timeout`), UNAVAILABLE is
 * retried for idempotent methods only, and failures reject with `CallError`.
 */
export function createWebClient<S extends WebServiceDefinition>(definition: S, options: WebClientOptions): WebClient<S> {
  const methods: MethodInfo[] = Object.entries(definition.methods).map(([key, m]) => ({
    ...m,
    key,
    path: `/${definition.fullName}/${m.name}`,
  }));
  const policies = new Map<string, MethodPolicy>();
  for (const method of methods) {
    const own = options.methods?.[method.key];
    const deadlineMs = own?.deadlineMs ?? (method.responseStream ? options.streamDeadlineMs : (options.deadlineMs ?? DEFAULT_DEADLINE_MS));
    policies.set(method.path, {
      deadlineMs: deadlineMs === Number.POSITIVE_INFINITY ? undefined : deadlineMs,
      retry: own?.retry ?? isIdempotent((method.options as { idempotencyLevel?: string } | undefined)?.idempotencyLevel),
    });
  }

  const chain: ClientMiddleware<ChainCallOptions>[] = [deadlineMiddleware(policies)];
  const given = options.retry === false ? undefined : (options.retry ?? {});
  const maxAttempts = given?.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  if (given !== undefined && maxAttempts > 1) {
    const codes = given.retryableCodes ?? DEFAULT_RETRY.retryableCodes;
    for (const code of codes) {
      if (NEVER_RETRYABLE.has(code)) throw new TypeError(`@org/client-web: status ${Status[code]} is never retried (retry.retryableCodes)`);
    }
    const budget = given.budget ?? DEFAULT_RETRY.budget;
    chain.push(
      retryMiddleware({
        maxAttempts,
        baseDelayMs: given.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
        maxDelayMs: given.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
        retryableCodes: new Set(codes),
        budget: budget === false ? undefined : new RetryBudget(budget.maxTokens, budget.tokenRatio),
        onRetry: given.onRetry,
      }),
    );
  }
  chain.push(
    attemptMiddleware({
      metadata: options.metadata,
      tokens: options.token === undefined ? undefined : new TokenSource(options.token),
      tracing: options.tracing === false ? undefined : options.tracing,
    }),
  );
  const baseUrl = options.baseUrl.replace(/\/+$/, "");

  /** The innermost step: one attempt over fetch, messages encoded and decoded. */
  function transport(method: MethodInfo): Invoke {
    return async function* attempt(request, callOptions) {
      const { requestType, responseType, path } = method;
      const messages = fetchCall({
        url: baseUrl,
        path,
        body: requestType.encode(requestType.fromPartial(request as object)).finish(),
        metadata: callOptions.metadata ?? Metadata(),
        signal: callOptions.signal ?? new AbortController().signal,
        credentials: options.credentials,
        onHeader: callOptions.onHeader,
        onTrailer: callOptions.onTrailer,
      });
      const decode = (bytes: Uint8Array) => {
        try {
          return responseType.decode(bytes);
        } catch (error) {
          throw new ClientError(path, Status.INTERNAL, `Failed to decode the response: ${(error as Error).message}`);
        }
      };
      if (method.responseStream) {
        for await (const bytes of messages) yield decode(bytes);
        return;
      }
      let response: unknown;
      for await (const bytes of messages) {
        if (response !== undefined)
          throw new ClientError(path, Status.INTERNAL, "Received more than one message from server for unary method");
        response = decode(bytes);
      }
      if (response === undefined) throw new ClientError(path, Status.INTERNAL, "Server did not return a response");
      return response;
    };
  }

  /** The chain from `chain[index]` inward for one method. */
  function invoker(method: MethodInfo, index: number): Invoke {
    const middleware = chain[index];
    if (middleware === undefined) return transport(method);
    const next = invoker(method, index + 1);
    return (request, callOptions) =>
      middleware(
        { method, requestStream: false, responseStream: method.responseStream, request, next } as ClientMiddlewareCall<unknown, unknown>,
        callOptions,
      );
  }

  const client: Record<string, unknown> = {};
  for (const method of methods) {
    if (method.requestStream) {
      // Absent from the type; at run time a clear error instead of a call the server must refuse.
      client[method.key] = () => {
        throw new TypeError(`@org/client-web: ${method.path} streams its request, which gRPC-Web cannot carry; call it over gRPC`);
      };
      continue;
    }
    const invoke = invoker(method, 0);
    const withId = !method.responseStream && "requestId" in method.requestType.fromPartial({});
    const prepare = (request: { requestId?: string } = {}) =>
      withId && !request.requestId ? { ...request, requestId: globalThis.crypto.randomUUID() } : request;
    client[method.key] = method.responseStream
      ? (request?: object, callOptions: Options = {}) => invoke(prepare(request), callOptions)
      : async (request?: object, callOptions: Options = {}) => {
          const call = invoke(prepare(request), callOptions);
          for (;;) {
            const step = await call.next();
            if (step.done) return step.value;
          }
        };
  }
  return client as WebClient<S>;
}

/** Creates a gRPC-Web client of `org.users.v1.UsersService` (see `createWebClient`). */
export function createUsersWebClient(options: WebClientOptions): UsersWebClient {
  return createWebClient(UsersServiceDefinition, options);
}
