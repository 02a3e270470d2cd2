// Builds a typed gRPC-Web client: nice-grpc-web's fetch transport under the same defaults as
// @org/client (deadlines, retries of idempotent methods with a budget, CallError with decoded
// details, CreateUser's request_id, tokens, W3C trace context).
import { UsersServiceDefinition } from "@org/api/web/org/users/v1";
import { DEFAULT_DEADLINE_MS, DEFAULT_RETRY, isIdempotent, NEVER_RETRYABLE, RetryBudget, TokenSource } from "@org/client-core";
import { Status } from "nice-grpc-common";
import {
  type Client,
  type ClientFactory,
  type ClientMiddleware,
  type CompatServiceDefinition,
  createChannel,
  createClientFactory,
  FetchTransport,
} from "nice-grpc-web";
import type { ChainCallOptions, MethodPolicy } from "./internal/call-state.js";
import { attemptMiddleware } from "./middleware/attempt.js";
import { deadlineMiddleware } from "./middleware/deadline.js";
import { retryMiddleware } from "./middleware/retry.js";
import type { WebCallOptions, WebClientOptions } from "./options.js";

/** A service definition as generated into `@org/api` (ts-proto, `outputServices=nice-grpc`). */
export type WebServiceDefinition = CompatServiceDefinition & {
  readonly fullName: string;
  readonly methods: {
    readonly [method: string]: {
      readonly name: string;
      readonly requestType: unknown;
      readonly requestStream: boolean;
      readonly responseStream: boolean;
      readonly options: unknown;
    };
  };
};

/** Method names of `S` whose requests are streamed: not callable over gRPC-Web from a browser. */
type RequestStreamingKeys<S extends WebServiceDefinition> = {
  [K in keyof S["methods"]]: S["methods"][K] extends { readonly requestStream: true } ? K : never;
}[keyof S["methods"]];

/**
 * A typed gRPC-Web client of `S`: unary methods return promises, server-streaming methods async
 * iterables. Client-streaming and bidi methods are absent (gRPC-Web cannot carry them).
 */
export type WebClient<S extends WebServiceDefinition> = Omit<Client<S, WebCallOptions>, RequestStreamingKeys<S>>;

/** The gRPC-Web client of `org.users.v1.UsersService`. */
export type UsersWebClient = WebClient<typeof UsersServiceDefinition>;

interface MethodInfo {
  name: string;
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  idempotent: boolean;
  fromPartial: ((value: object) => object) | undefined;
}

function listMethods(definition: WebServiceDefinition): MethodInfo[] {
  return Object.entries(definition.methods).map(([name, m]) => {
    const level = (m.options as { idempotencyLevel?: string } | undefined)?.idempotencyLevel;
    return {
      name,
      path: `/${definition.fullName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      idempotent: isIdempotent(level),
      fromPartial: (m.requestType as { fromPartial?: (value: object) => object }).fromPartial,
    };
  });
}

/**
 * Creates a typed gRPC-Web client for any service definition of `@org/api`, calling
 * `options.baseUrl` with fetch. Every call has a deadline (sent as `grpc-timeout`), UNAVAILABLE is
 * retried for idempotent methods only, and failures reject with `CallError`.
 */
export function createWebClient<S extends WebServiceDefinition>(definition: S, options: WebClientOptions): WebClient<S> {
  const methods = listMethods(definition);
  const policies = new Map<string, MethodPolicy>();
  for (const method of methods) {
    const own = options.methods?.[method.name];
    const deadlineMs = own?.deadlineMs ?? (method.responseStream ? options.streamDeadlineMs : (options.deadlineMs ?? DEFAULT_DEADLINE_MS));
    policies.set(method.path, {
      deadlineMs: deadlineMs === Number.POSITIVE_INFINITY ? undefined : deadlineMs,
      retry: own?.retry ?? method.idempotent,
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
      tracing: options.tracing ?? true,
    }),
  );

  let factory = createClientFactory() as ClientFactory<ChainCallOptions>;
  for (let i = chain.length - 1; i >= 0; i--) factory = factory.use(chain[i] as ClientMiddleware<ChainCallOptions>);
  const transport = FetchTransport(options.credentials === undefined ? {} : { credentials: options.credentials });
  const client = factory.create(
    definition as CompatServiceDefinition,
    createChannel(options.baseUrl.replace(/\/+$/, ""), transport),
  ) as unknown as Record<string, unknown>;

  for (const method of methods) {
    if (method.requestStream) {
      // Absent from the type; at run time a clear error instead of a call the server must refuse.
      client[method.name] = () => {
        throw new TypeError(`@org/client-web: ${method.path} streams its request, which gRPC-Web cannot carry; call it over gRPC`);
      };
      continue;
    }
    if (method.responseStream || method.fromPartial === undefined || !("requestId" in method.fromPartial({}))) continue;
    const call = client[method.name] as (request: { requestId?: string }, callOptions?: WebCallOptions) => unknown;
    client[method.name] = (request: { requestId?: string } = {}, callOptions?: WebCallOptions) =>
      call(request.requestId ? request : { ...request, requestId: globalThis.crypto.randomUUID() }, callOptions);
  }
  return client as unknown as WebClient<S>;
}

/** Creates a gRPC-Web client of `org.users.v1.UsersService` (see `createWebClient`). */
export function createUsersWebClient(options: WebClientOptions): UsersWebClient {
  return createWebClient(UsersServiceDefinition, options);
}
