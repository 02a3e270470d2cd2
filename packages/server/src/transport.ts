import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import type { ServerOptions } from "./options.js";
import { defaults } from "./options.js";

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

/** grpc-js server credentials: insecure without `tls`, else TLS or mTLS. */
export function serverCredentials(tls: TlsOptions | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const cert = pem(tls.cert, tls.certFile, "cert");
  const key = pem(tls.key, tls.keyFile, "key");
  if (cert === undefined || key === undefined) throw new Error("tls needs a certificate (cert/certFile) and a key (key/keyFile)");
  const ca = pem(tls.ca, tls.caFile, "ca");
  return ServerCredentials.createSsl(
    ca ?? null,
    [{ cert_chain: cert, private_key: key }],
    ca !== undefined && (tls.requireClientCert ?? true),
  );
}

/** grpc-js channel options from the transport fields of `ServerOptions`. */
export function channelOptions(options: ServerOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    "grpc.max_receive_message_length": options.maxReceiveMessageBytes ?? defaults.maxReceiveMessageBytes,
    "grpc.max_send_message_length": options.maxSendMessageBytes ?? defaults.maxSendMessageBytes,
    "grpc.keepalive_time_ms": options.keepaliveTimeMs ?? defaults.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? defaults.keepaliveTimeoutMs,
    // channelz bookkeeping costs on every call and nothing here reads it.
    "grpc.enable_channelz": 0,
  };
  if (options.maxConcurrentStreams !== undefined) out["grpc.max_concurrent_streams"] = options.maxConcurrentStreams;
  if (options.maxConnectionIdleMs !== undefined) out["grpc.max_connection_idle_ms"] = options.maxConnectionIdleMs;
  if (options.maxConnectionAgeMs !== undefined) out["grpc.max_connection_age_ms"] = options.maxConnectionAgeMs;
  if (options.maxConnectionAgeGraceMs !== undefined) out["grpc.max_connection_age_grace_ms"] = options.maxConnectionAgeGraceMs;
  return { ...out, ...options.channelOptions };
}
