// Builds a typed client: one channel, the middleware chain (its order is decided here only), and
// per-method policy computed once so that a call does as little work as possible.
import { randomUUID } from "node:crypto";
import { Channel, type ChannelOptions, Client as GrpcClient } from "@grpc/grpc-js";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { normalizeServiceDefinition } from "@org/api/service-definition";
import { DEFAULT_DEADLINE_MS, DEFAULT_RETRY, isIdempotent, NEVER_RETRYABLE, RetryBudget, TokenSource } from "@org/client-core";
import { type Client, type ClientFactory, type ClientMiddleware, type CompatServiceDefinition, createClientFactory } from "nice-grpc";
import { Status } from "nice-grpc-common";
import type { ClientOptions, OrgCallOptions } from "./client-options.js";
import type { ChainCallOptions, MethodPolicy } from "./internal/call-options.js";
import { createCredentials } from "./internal/credentials.js";
import { resolveTarget } from "./internal/target.js";
import { unaryMethods } from "./internal/unary-call.js";
import { DeadlineChannel } from "./internal/wire-deadline.js";
import { attemptMiddleware } from "./middleware/attempt.js";
import { deadlineMiddleware } from "./middleware/deadline.js";
import { metadataMiddleware } from "./middleware/metadata.js";
import { createClientMetrics } from "./middleware/metrics.js";
import { retryMiddleware } from "./middleware/retry.js";
import { attemptSpanMiddleware, logicalCallSpanMiddleware } from "./middleware/tracing.js";

/** A typed client: the service's methods plus `close()`. */
export type OrgClient<S extends CompatServiceDefinition> = Client<S, OrgCallOptions> & {
  /** Closes the client's channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void;
};

/** The client of `org.users.v1.UsersService`. */
export type UsersClient = OrgClient<typeof UsersServiceDefinition>;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_KEEPALIVE_TIME_MS = 30_000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000;

interface MethodInfo {
  name: string;
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  idempotencyLevel: string | undefined;
  requestType: { fromPartial?: (value: object) => object } | undefined;
}

function listMethods(definition: CompatServiceDefinition): MethodInfo[] {
  // @org/api's shared reader of ts-proto and grpc-js definitions (the server uses the same one).
  return normalizeServiceDefinition(definition).methods.map((m) => ({
    name: m.key,
    path: m.path,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    idempotencyLevel: m.options.idempotencyLevel,
    requestType: m.requestType as MethodInfo["requestType"],
  }));
}

function createChannelOptions(options: ClientOptions<any>, list: boolean): ChannelOptions {
  const loadBalancing = options.loadBalancing ?? (list ? "round_robin" : "pick_first");
  const channelOptions: ChannelOptions = {
    "grpc.keepalive_time_ms": options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS,
    "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    "grpc.keepalive_permit_without_calls": 1,
    // Read by nice-grpc's connection-timeout patch: bounds one connection attempt.
    "grpc.min_reconnect_backoff_ms": options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ [loadBalancing]: {} }] }),
  };
  if (options.tls?.serverName !== undefined) {
    channelOptions["grpc.ssl_target_name_override"] = options.tls.serverName;
    channelOptions["grpc.default_authority"] = options.tls.serverName;
  }
  return { ...channelOptions, ...options.channelOptions };
}

function validateRetryCodes(codes: readonly Status[]): ReadonlySet<Status> {
  for (const code of codes) {
    if (NEVER_RETRYABLE.has(code)) {
      throw new TypeError(`@org/client: status ${Status[code]} is never retried (retry.retryableCodes)`);
    }
  }
  return new Set(codes);
}

/**
 * Creates a typed client for any service definition of `@org/api`: unary methods return promises,
 * streaming methods async iterables; every call has a deadline, retries follow the method's
 * idempotency, and tracing is on.
 */
export function createClient<S extends CompatServiceDefinition>(definition: S, options: ClientOptions<S>): OrgClient<S> {
  const resolved = resolveTarget(options.target);
  const rawChannel = new Channel(resolved.target, createCredentials(options, resolved), createChannelOptions(options, resolved.list));
  const channel = new DeadlineChannel(rawChannel);

  const methods = listMethods(definition);
  const unaryDeadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const streamDeadlineMs = options.streamDeadlineMs;
  const methodOptions = (options.methods ?? {}) as Record<string, { deadlineMs?: number; retry?: boolean } | undefined>;
  const policies = new Map<string, MethodPolicy>();
  for (const method of methods) {
    const own = methodOptions[method.name];
    const deadlineMs = own?.deadlineMs ?? (method.responseStream ? streamDeadlineMs : unaryDeadlineMs);
    const idempotent = isIdempotent(method.idempotencyLevel);
    policies.set(method.path, {
      deadlineMs: deadlineMs === Number.POSITIVE_INFINITY ? undefined : deadlineMs,
      retry: own?.retry ?? idempotent,
    });
  }

  const given = options.retry === false ? undefined : (options.retry ?? {});
  const retry =
    given === undefined
      ? undefined
      : {
          maxAttempts: given.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
          baseDelayMs: given.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
          maxDelayMs: given.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
          retryableCodes: given.retryableCodes ?? DEFAULT_RETRY.retryableCodes,
          budget: given.budget ?? DEFAULT_RETRY.budget,
          onRetry: given.onRetry,
        };
  const tokens = options.token === undefined ? undefined : new TokenSource(options.token);
  const tracing = options.tracing ?? true;
  const metrics = options.metricsRegistry === undefined ? undefined : createClientMetrics(options.metricsRegistry);

  // The chain, outermost first: metrics → deadline → logical span → metadata/auth → retry → attempt span →
  // attempt. nice-grpc makes the *last* `use`d client middleware the outermost,
  // so the list is applied in reverse. Metrics are outermost so that they time and count the
  // logical call whatever ends it, the deadline included; unary calls take this chain too (only
  // the innermost attempt middleware goes to grpc-js directly).
  const chain: ClientMiddleware<ChainCallOptions>[] = [];
  if (metrics !== undefined) chain.push(metrics.middleware);
  chain.push(deadlineMiddleware({ policies, waitForReadyChannel: options.waitForReady ? rawChannel : undefined }));
  if (tracing) chain.push(logicalCallSpanMiddleware());
  if (tokens !== undefined || options.metadata !== undefined) {
    chain.push(metadataMiddleware({ metadata: options.metadata, tokens }));
  }
  if (retry !== undefined && retry.maxAttempts > 1) {
    chain.push(
      retryMiddleware({
        maxAttempts: retry.maxAttempts,
        baseDelayMs: retry.baseDelayMs,
        maxDelayMs: retry.maxDelayMs,
        retryableCodes: validateRetryCodes(retry.retryableCodes),
        budget: retry.budget === false ? undefined : new RetryBudget(retry.budget.maxTokens, retry.budget.tokenRatio),
        onRetry:
          metrics === undefined
            ? retry.onRetry
            : (event) => {
                metrics.retried(event.path);
                retry.onRetry?.(event);
              },
      }),
    );
  }
  if (tracing) chain.push(attemptSpanMiddleware());
  chain.push(
    attemptMiddleware({
      client: new GrpcClient(resolved.target, null as never, { channelOverride: rawChannel }),
      unary: unaryMethods(definition),
    }),
  );
  let factory: ClientFactory<ChainCallOptions> = createClientFactory() as ClientFactory<ChainCallOptions>;
  for (let i = chain.length - 1; i >= 0; i--) factory = factory.use(chain[i] as ClientMiddleware<ChainCallOptions>);

  const client = factory.create(definition, channel as unknown as Channel) as unknown as Record<string, unknown>;

  // Unary methods with a `requestId` idempotency key get one when the caller gave none, before any
  // middleware runs, so every attempt of a retried call carries the same key.
  for (const method of methods) {
    if (method.requestStream || method.responseStream || method.requestType?.fromPartial === undefined) continue;
    if (!("requestId" in method.requestType.fromPartial({}))) continue;
    const call = client[method.name] as (request: { requestId?: string }, options?: ChainCallOptions) => unknown;
    client[method.name] = (request: { requestId?: string } = {}, callOptions?: ChainCallOptions) =>
      call(request.requestId ? request : { ...request, requestId: randomUUID() }, callOptions);
  }

  client.close = () => rawChannel.close();
  return client as unknown as OrgClient<S>;
}

/** Creates a client of `org.users.v1.UsersService` (see `createClient`). */
export function createUsersClient(options: ClientOptions<typeof UsersServiceDefinition>): UsersClient {
  return createClient(UsersServiceDefinition, options);
}
