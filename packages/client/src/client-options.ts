// Options of `createClient` and of each call.

import type { CallError } from "@org/client-core";
import type { CallOptions, ChannelOptions, Client, CompatServiceDefinition, Status } from "nice-grpc";

export type { AccessToken, TokenProvider } from "@org/client-core";

import type { TokenProvider } from "@org/client-core";

/** TLS settings. */
export interface TlsOptions {
  /** PEM root certificate(s) that sign the server's certificate. Default: the system roots. */
  ca?: string | Uint8Array | undefined;
  /** PEM client certificate chain, for mutual TLS. Default: none. */
  cert?: string | Uint8Array | undefined;
  /** PEM private key of `cert`, for mutual TLS. Default: none. */
  key?: string | Uint8Array | undefined;
  /** Name to verify the server certificate against (and send as authority). Default: the target's host. */
  serverName?: string | undefined;
}

/** Information passed to `RetryOptions.onRetry`. */
export interface RetryEvent {
  /** Full method path, e.g. `/org.users.v1.UsersService/GetUser`. */
  path: string;
  /** The attempt that failed, starting at 1. */
  attempt: number;
  /** How long the client waits before the next attempt, in milliseconds. */
  delayMs: number;
  /** The failed attempt's error. */
  error: CallError;
}

/** Retry policy. */
export interface RetryOptions {
  /** Attempts per call including the first; 1 disables retries. Default: 4. */
  maxAttempts?: number | undefined;
  /** Backoff cap of the first retry, in milliseconds; doubles per retry (full jitter). Default: 100. */
  baseDelayMs?: number | undefined;
  /** Upper bound of any backoff cap, in milliseconds. Default: 5000. */
  maxDelayMs?: number | undefined;
  /**
   * Status codes that are retried. Default: `[Status.UNAVAILABLE]`. Codes whose repetition cannot
   * help or is unsafe (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
   * UNAUTHENTICATED, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, DEADLINE_EXCEEDED,
   * CANCELLED, DATA_LOSS, OK) are rejected at client creation.
   */
  retryableCodes?: readonly Status[] | undefined;
  /**
   * Retry throttling (gRPC A6): a token bucket of `maxTokens` that loses 1 per failed attempt and
   * gains `tokenRatio` per success; retries happen only while it holds more than half.
   * `false` disables it. Default: `{ maxTokens: 100, tokenRatio: 0.1 }`: up to 50 failed attempts in a
   * burst are retried (losing one of several backends under load), then one attempt per call.
   */
  budget?: { maxTokens: number; tokenRatio: number } | false | undefined;
  /** Called before each backoff sleep. Default: none. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** Per-method overrides. */
export interface MethodOptions {
  /** Deadline of this method's calls, in milliseconds; `Infinity` for none. Default: the client's. */
  deadlineMs?: number | undefined;
  /** Whether this method's calls are retried. Default: true when the proto marks it NO_SIDE_EFFECTS or IDEMPOTENT. */
  retry?: boolean | undefined;
}

/**
 * What the client needs of a prom-client `Registry` (a `new Registry()` from prom-client is one).
 * Declared here so that the client's types do not require prom-client, an optional peer dependency.
 */
export interface MetricsRegistry {
  getSingleMetric(name: string): unknown;
  registerMetric(metric: never): void;
}

/** Options of `createClient` / `createUsersClient`. */
export interface ClientOptions<S extends CompatServiceDefinition = CompatServiceDefinition> {
  /**
   * Where the server is: `host:port`, `dns:///name:port`, any grpc-js target (`ipv4:`, `unix:`),
   * or a list of `ip:port` addresses balanced round-robin. Required.
   */
  target: string | readonly string[];
  /** Plaintext instead of TLS. Default: true when every address is loopback and `tls` is not set, else false. */
  insecure?: boolean | undefined;
  /** TLS settings (custom CA, client certificate for mTLS). Default: TLS with the system roots. */
  tls?: TlsOptions | undefined;
  /** Bearer token, or an async provider cached until 30 s before its expiry. Default: none. */
  token?: string | TokenProvider | undefined;
  /** Metadata sent with every call (per-call metadata wins on conflicts). Default: none. */
  metadata?: Record<string, string> | undefined;
  /** Deadline of unary and client-streaming calls, in milliseconds; `Infinity` for none. Default: 10000. */
  deadlineMs?: number | undefined;
  /** Deadline of server-streaming and bidi calls, in milliseconds. Default: none (`Infinity`). */
  streamDeadlineMs?: number | undefined;
  /** Per-method deadline and retry overrides, keyed by method name (`getUser`). Default: none. */
  methods?: { [K in keyof Client<S>]?: MethodOptions } | undefined;
  /** Retry policy, or `false` to never retry. Default: see `RetryOptions`. */
  retry?: RetryOptions | false | undefined;
  /** OpenTelemetry spans (logical call + one per attempt) and W3C context propagation. Default: true. */
  tracing?: boolean | undefined;
  /**
   * prom-client registry that receives the client metrics (`grpc_client_started_total`,
   * `grpc_client_handled_total`, `grpc_client_handling_seconds`, `grpc_client_retries_total`); needs
   * the optional peer dependency prom-client. Clients may share a registry. Default: no metrics.
   */
  metricsRegistry?: MetricsRegistry | undefined;
  /** Wait (within the call's deadline) for the channel to connect instead of failing fast with UNAVAILABLE. Default: false. */
  waitForReady?: boolean | undefined;
  /** Bound on one connection attempt (TCP + TLS + HTTP/2 settings), in milliseconds. Default: 10000. */
  connectTimeoutMs?: number | undefined;
  /** Interval between HTTP/2 keepalive pings, in milliseconds. Default: 30000. */
  keepaliveTimeMs?: number | undefined;
  /** How long a keepalive ping may go unanswered before the connection is dropped, in milliseconds. Default: 10000. */
  keepaliveTimeoutMs?: number | undefined;
  /** Load balancing across the target's addresses. Default: `round_robin` for a list, else `pick_first`. */
  loadBalancing?: "pick_first" | "round_robin" | undefined;
  /** Raw grpc-js channel options, applied last. Default: none. */
  channelOptions?: ChannelOptions | undefined;
}

/** Options accepted by every call, on top of nice-grpc's `signal`, `metadata`, `onHeader`, `onTrailer`. */
export interface OrgCallOptions {
  /** Deadline of this call (all attempts together), in milliseconds from now; `Infinity` for none. Default: the method's. */
  deadlineMs?: number | undefined;
  /** Absolute deadline of this call; wins over `deadlineMs`. Default: none. */
  deadline?: Date | undefined;
  /** Force retries on (unary and server-streaming calls only) or off for this call. Default: the method's policy. */
  retry?: boolean | undefined;
  /** Attempts for this call including the first. Default: `RetryOptions.maxAttempts`. */
  maxAttempts?: number | undefined;
}

/** Every option a call accepts. */
export type CallOptionsWithOrg = CallOptions & OrgCallOptions;
