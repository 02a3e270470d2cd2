// ServerOptions → the transport's settings: TLS material, limits, session management, and the
// deprecated grpc-js `channelOptions` mapped onto the options that replaced them.
import { readFileSync } from "node:fs";
import type { ServerOptions } from "./options.js";
import { defaults } from "./options.js";
import type { Encoding } from "./transport/compression.js";
import type { Http2TransportOptions } from "./transport/server.js";
import { createCorsPolicy } from "./transport/web/cors.js";

/**
 * TLS material as PEM buffers/strings or file paths (`cert` or `certFile`, etc.). Giving a `ca`
 * turns on mutual TLS: clients must present a certificate signed by it.
 */
export interface TlsOptions {
  /** Server certificate chain, PEM. */
  cert?: string | Buffer;
  /** Path of the server certificate chain PEM file. */
  certFile?: string;
  /** Server private key, PEM. */
  key?: string | Buffer;
  /** Path of the server private key PEM file. */
  keyFile?: string;
  /** CA bundle that client certificates must chain to, PEM. Setting it (or `caFile`) enables mTLS. */
  ca?: string | Buffer;
  /** Path of the client CA bundle PEM file. */
  caFile?: string;
  /** With a CA: refuse clients without a valid certificate. Default `true`. */
  requireClientCert?: boolean;
}

function pem(value: string | Buffer | undefined, file: string | undefined, what: string): Buffer | undefined {
  if (value !== undefined && file !== undefined) throw new Error(`tls: give ${what} or ${what}File, not both`);
  if (value !== undefined) return Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");
  if (file !== undefined) return readFileSync(file);
  return undefined;
}

/** TLS material for the HTTP/2 server: `undefined` without `tls` (plaintext), else TLS or mTLS. */
export function tlsMaterial(tls: TlsOptions | undefined): Http2TransportOptions["tls"] {
  if (tls === undefined) return undefined;
  const cert = pem(tls.cert, tls.certFile, "cert");
  const key = pem(tls.key, tls.keyFile, "key");
  if (cert === undefined || key === undefined) throw new Error("tls needs a certificate (cert/certFile) and a key (key/keyFile)");
  const ca = pem(tls.ca, tls.caFile, "ca");
  return ca === undefined ? { cert, key, requireClientCert: false } : { cert, key, ca, requireClientCert: tls.requireClientCert ?? true };
}

/** Client pings closer together than this are strikes (grpc-go's and grpc-js's default is 5 min; ours allows @org/client's 30 s keepalive). */
const MIN_PING_INTERVAL_MS = 10_000;
/** Strikes before GOAWAY too_many_pings (as grpc-go and grpc-js). */
const MAX_PING_STRIKES = 2;

/** The `channelOptions` keys that still mean something, mapped onto `ServerOptions` fields. */
const CHANNEL_OPTION_FIELDS: Record<string, keyof ServerOptions> = {
  "grpc.max_receive_message_length": "maxReceiveMessageBytes",
  "grpc.max_send_message_length": "maxSendMessageBytes",
  "grpc.keepalive_time_ms": "keepaliveTimeMs",
  "grpc.keepalive_timeout_ms": "keepaliveTimeoutMs",
  "grpc.max_concurrent_streams": "maxConcurrentStreams",
  "grpc.max_connection_idle_ms": "maxConnectionIdleMs",
  "grpc.max_connection_age_ms": "maxConnectionAgeMs",
  "grpc.max_connection_age_grace_ms": "maxConnectionAgeGraceMs",
};

/**
 * The deprecated `channelOptions` as `ServerOptions` fields: the grpc-js keys that have an
 * equivalent are mapped (an explicit option wins); every other key is ignored with a warning.
 */
export function mapChannelOptions(options: ServerOptions): ServerOptions {
  const channel = options.channelOptions;
  if (channel === undefined) return options;
  const mapped: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(channel)) {
    const field = CHANNEL_OPTION_FIELDS[key];
    if (field !== undefined && typeof value === "number") mapped[field] = value;
    else if (key !== "grpc.enable_channelz") ignored.push(key);
  }
  if (ignored.length > 0) {
    process.emitWarning(
      `@org/server: channelOptions ${ignored.join(", ")} ignored (the server no longer runs on grpc-js)`,
      "DeprecationWarning",
    );
  }
  const out: Record<string, unknown> = { ...mapped };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as ServerOptions;
}

/** HTTP/2 transport settings from the transport fields of `ServerOptions`. */
export function transportOptions(input: ServerOptions): Http2TransportOptions {
  const options = mapChannelOptions(input);
  const encoding: Encoding = options.responseCompression ?? "identity";
  const maxConcurrentStreams = options.maxConcurrentStreams;
  return {
    tls: tlsMaterial(options.tls),
    ...(options.cors !== undefined ? { cors: createCorsPolicy(options.cors) } : {}),
    ...(options.httpHandler !== undefined ? { httpHandler: options.httpHandler } : {}),
    ...(maxConcurrentStreams !== undefined ? { maxConcurrentStreams } : {}),
    limits: {
      maxReceiveBytes: options.maxReceiveMessageBytes ?? defaults.maxReceiveMessageBytes,
      maxSendBytes: options.maxSendMessageBytes ?? defaults.maxSendMessageBytes,
      responseEncoding: encoding,
    },
    session: {
      keepaliveTimeMs: options.keepaliveTimeMs ?? defaults.keepaliveTimeMs,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? defaults.keepaliveTimeoutMs,
      minPingIntervalMs: MIN_PING_INTERVAL_MS,
      maxPingStrikes: MAX_PING_STRIKES,
      maxConnectionIdleMs: options.maxConnectionIdleMs ?? 0,
      maxConnectionAgeMs: options.maxConnectionAgeMs ?? 0,
      maxConnectionAgeGraceMs: options.maxConnectionAgeGraceMs ?? 0,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs,
    },
  };
}
