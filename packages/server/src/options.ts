import type { DestinationStream, LevelWithSilent, Logger } from "pino";
import type { Registry } from "prom-client";
import type { AuthOptions } from "./middleware/auth.js";
import type { RateLimitOptions } from "./middleware/rate-limit.js";
import type { HttpHandler } from "./transport/server.js";
import type { CorsOptions } from "./transport/web/cors.js";
import type { TlsOptions } from "./transport-options.js";

/** Options of {@link createServer}. Every field is optional; defaults are production defaults. */
export interface ServerOptions {
  /** Address `listen()` binds when called without one, `host:port`. Default `"0.0.0.0:50051"`. */
  listenAddress?: string;

  // ---- logging ----
  /** Minimum pino level. Default `"info"`. */
  logLevel?: LevelWithSilent;
  /** Use this pino logger instead of creating one (its level wins over `logLevel`). Default: a new logger. */
  logger?: Logger;
  /** Where the created logger writes. Default: stdout, asynchronously buffered (flushed on shutdown). */
  logDestination?: DestinationStream;

  // ---- health, reflection ----
  /**
   * Serve `grpc.reflection.v1` and `v1alpha`. Default `true`, except `false` when
   * `NODE_ENV=production` (set `true` to serve it there too).
   */
  reflection?: boolean;
  /**
   * FileDescriptorSet served by reflection. Default: `loadDescriptorSet()` from `@org/api/descriptor-set`.
   * Only services found in it are listed.
   */
  reflectionDescriptorSet?: Uint8Array;

  // ---- shutdown ----
  /** Install SIGTERM/SIGINT handlers that shut down gracefully and exit 0. Default `true`. */
  handleSignals?: boolean;
  /** Time in-flight calls get to finish after shutdown starts before they are cut, ms. Default `10_000`. */
  shutdownGraceMs?: number;
  /**
   * Time between health turning NOT_SERVING and the server refusing new calls, ms; lets load
   * balancers notice. Default `0`.
   */
  drainDelayMs?: number;

  // ---- deadlines ----
  /** Reject calls that carry no deadline with INVALID_ARGUMENT. Default `false`. */
  requireDeadline?: boolean;
  /**
   * Server-side maximum duration of a unary or client-streaming call, ms; after it the handler's
   * signal aborts and the client gets DEADLINE_EXCEEDED. `0` disables. Default `30_000`.
   */
  maxDeadlineMs?: number;
  /** Same for server-streaming and bidi calls, ms. `0` disables. Default `0` (streams may live long). */
  maxStreamDeadlineMs?: number;

  // ---- metrics ----
  /** Record Prometheus metrics for every call. Default `true`. */
  metrics?: boolean;
  /** Serve `GET /metrics` on this `host:port` (port `0` picks one). Default: not served. */
  metricsListen?: string;
  /** prom-client registry the metrics go to. Default: a new registry per server. */
  metricsRegistry?: Registry;
  /** Also collect prom-client's default process metrics. Default `true`. */
  processMetrics?: boolean;

  // ---- tracing ----
  /**
   * Create OpenTelemetry server spans (continuing a W3C `traceparent`) whenever an OpenTelemetry
   * SDK is registered. Default `true`; costs nothing while no SDK is registered.
   */
  tracing?: boolean;

  // ---- auth, rate limit ----
  /** Authentication and authorisation. Default: off (every call anonymous). */
  auth?: AuthOptions;
  /** Token-bucket rate limiting per principal or peer. Default: off. */
  rateLimit?: RateLimitOptions;

  // ---- transport ----
  /** TLS or mutual TLS. Default: plaintext. */
  tls?: TlsOptions;
  /** Largest request message accepted, bytes; larger gets RESOURCE_EXHAUSTED. Default `4 * 1024 * 1024`. */
  maxReceiveMessageBytes?: number;
  /** Largest response message sent, bytes. Default `4 * 1024 * 1024`. */
  maxSendMessageBytes?: number;
  /**
   * Largest request metadata accepted, bytes (name + value + 32 per entry, as HTTP/2 counts);
   * larger gets RESOURCE_EXHAUSTED before any handler runs. `0` disables. Default `16 * 1024`
   * (gRPC core's hard limit).
   */
  maxMetadataBytes?: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default: unlimited (HTTP/2 default). */
  maxConcurrentStreams?: number;
  /** Interval of server keepalive pings on a connection, ms. Default `7_200_000` (2 h, as gRPC core). */
  keepaliveTimeMs?: number;
  /** Time to wait for a keepalive ping ack before closing the connection, ms. Default `20_000`. */
  keepaliveTimeoutMs?: number;
  /** Close connections idle (no calls) for this long, ms. Default: never. */
  maxConnectionIdleMs?: number;
  /** Close connections after this age (GOAWAY), ms; spreads load after scale-out. Default: never. */
  maxConnectionAgeMs?: number;
  /** Grace for calls on a connection closed for age, ms. Default: unlimited. */
  maxConnectionAgeGraceMs?: number;
  /**
   * Close connections that have not finished the HTTP/2 preface (client SETTINGS) in this time, ms
   * (slow or stalled clients). `0` disables. Default `10_000`.
   */
  handshakeTimeoutMs?: number;
  /**
   * Compress response messages with this encoding when the client accepts it
   * (`grpc-accept-encoding`). Request messages in identity, gzip and deflate are always accepted.
   * Default `"identity"` (off).
   */
  responseCompression?: "identity" | "gzip" | "deflate";
  /**
   * Pages on other origins allowed to call over gRPC-Web (CORS). Default: none (only pages served
   * from the server's own origin, and non-browser clients, may call). Env: `GRPC_WEB_CORS_ORIGINS`.
   */
  cors?: CorsOptions;
  /**
   * Serves the port's requests that are not calls (neither gRPC, gRPC-Web nor a CORS preflight),
   * e.g. `GET /` for a web app that calls the server with gRPC-Web from the same origin. HTTP/1.1,
   * and HTTP/2 over TLS. Default: none (404).
   */
  httpHandler?: HttpHandler;
  /**
   * @deprecated The server no longer runs on grpc-js. Keys with an equivalent option
   * (`grpc.max_receive_message_length`, `grpc.keepalive_time_ms`, `grpc.max_connection_age_ms`, …)
   * are mapped to it (an explicit option wins); other keys are ignored with a warning. Default `{}`.
   */
  channelOptions?: Record<string, unknown>;
}

export const defaults = {
  listenAddress: "0.0.0.0:50051",
  logLevel: "info" as LevelWithSilent,
  shutdownGraceMs: 10_000,
  drainDelayMs: 0,
  maxDeadlineMs: 30_000,
  maxStreamDeadlineMs: 0,
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  maxSendMessageBytes: 4 * 1024 * 1024,
  maxMetadataBytes: 16 * 1024,
  keepaliveTimeMs: 7_200_000,
  keepaliveTimeoutMs: 20_000,
  handshakeTimeoutMs: 10_000,
} as const;
