// Options of `createWebClient` and of each call.
import type { CallError, TokenProvider } from "@org/client-core";
import type { Status } from "nice-grpc-common";
import type { TracingApi } from "./internal/trace-context.js";

/** Information passed to `WebRetryOptions.onRetry`. */
export interface WebRetryEvent {
  /** Full method path, e.g. `/org.users.v1.UsersService/GetUser`. */
  path: string;
  /** The attempt that failed, starting at 1. */
  attempt: number;
  /** How long the client waits before the next attempt, in milliseconds. */
  delayMs: number;
  /** The failed attempt's error. */
  error: CallError;
}

/** Retry policy; the same defaults as `@org/client`. */
export interface WebRetryOptions {
  /** Attempts per call including the first; 1 disables retries. Default: 4. */
  maxAttempts?: number | undefined;
  /** Backoff cap of the first retry, in milliseconds; doubles per retry (full jitter). Default: 100. */
  baseDelayMs?: number | undefined;
  /** Upper bound of any backoff cap, in milliseconds. Default: 5000. */
  maxDelayMs?: number | undefined;
  /** Status codes that are retried. Default: `[Status.UNAVAILABLE]`; codes a retry cannot fix are rejected. */
  retryableCodes?: readonly Status[] | undefined;
  /** Retry throttling (gRPC A6) token bucket, or `false`. Default: `{ maxTokens: 100, tokenRatio: 0.1 }`. */
  budget?: { maxTokens: number; tokenRatio: number } | false | undefined;
  /** Called before each backoff sleep. Default: none. */
  onRetry?: ((event: WebRetryEvent) => void) | undefined;
}

/** Per-method overrides. */
export interface WebMethodOptions {
  /** Deadline of this method's calls, in milliseconds; `Infinity` for none. Default: the client's. */
  deadlineMs?: number | undefined;
  /** Whether this method's calls are retried. Default: true when the proto marks it NO_SIDE_EFFECTS or IDEMPOTENT. */
  retry?: boolean | undefined;
}

/** Options of `createWebClient` / `createUsersWebClient`. */
export interface WebClientOptions {
  /** Where the service answers gRPC-Web, e.g. `https://api.example.com` (no trailing slash). Required. */
  baseUrl: string;
  /** Bearer token, or an async provider cached until 30 s before its expiry. Default: none. */
  token?: string | TokenProvider | undefined;
  /** Metadata (request headers) sent with every call; per-call metadata wins. Default: none. */
  metadata?: Record<string, string> | undefined;
  /** Deadline of unary calls, in milliseconds; `Infinity` for none. Default: 10000. */
  deadlineMs?: number | undefined;
  /** Deadline of server-streaming calls, in milliseconds. Default: none (`Infinity`). */
  streamDeadlineMs?: number | undefined;
  /** Per-method deadline and retry overrides, keyed by method name (`getUser`). Default: none. */
  methods?: Record<string, WebMethodOptions | undefined> | undefined;
  /** Retry policy, or `false` to never retry. Default: see `WebRetryOptions`. */
  retry?: WebRetryOptions | false | undefined;
  /**
   * Send W3C `traceparent` of the active span: pass `{ context, propagation }` of
   * `@opentelemetry/api` (the page's OpenTelemetry web SDK registers what they use). Not needed when
   * the SDK instruments `fetch`: each call's fetch span then carries the trace. Default: none (the
   * client does not load the API itself, so pages without tracing do not bundle it).
   */
  tracing?: TracingApi | false | undefined;
  /** fetch's `credentials` mode (cookies). Default: the browser's (`same-origin`). */
  credentials?: RequestCredentials | undefined;
}

/** Options accepted by every call, on top of `signal`, `metadata`, `onHeader`, `onTrailer`. */
export interface WebCallOptions {
  /** Deadline of this call (all attempts together), in milliseconds from now; `Infinity` for none. Default: the method's. */
  deadlineMs?: number | undefined;
  /** Absolute deadline of this call; wins over `deadlineMs`. Default: none. */
  deadline?: Date | undefined;
  /** Force retries on or off for this call. Default: the method's policy. */
  retry?: boolean | undefined;
  /** Attempts for this call including the first. Default: `WebRetryOptions.maxAttempts`. */
  maxAttempts?: number | undefined;
}
