/*
 * Every environment variable @org/server reads, parsed and validated in one place. A bad value
 * throws at start with a message naming the variable and what it expected.
 */
import { existsSync } from "node:fs";
import type { LevelWithSilent } from "pino";
import { splitHostPort } from "./internal/address.js";
import type { ServerOptions } from "./options.js";
import { corsOptionsFromEnv } from "./transport/web/cors-env.js";

type Env = Record<string, string | undefined>;

/** Documented variables (name → what it sets), as listed in the README. */
export const SERVER_ENV_VARS = [
  "GRPC_LISTEN",
  "LOG_LEVEL",
  "METRICS_LISTEN",
  "NODE_ENV",
  "GRPC_REFLECTION",
  "GRPC_SHUTDOWN_GRACE_MS",
  "GRPC_DRAIN_DELAY_MS",
  "GRPC_REQUIRE_DEADLINE",
  "GRPC_MAX_DEADLINE_MS",
  "GRPC_MAX_RECEIVE_BYTES",
  "GRPC_MAX_SEND_BYTES",
  "GRPC_MAX_CONCURRENT_STREAMS",
  "GRPC_KEEPALIVE_TIME_MS",
  "GRPC_KEEPALIVE_TIMEOUT_MS",
  "GRPC_MAX_CONNECTION_IDLE_MS",
  "GRPC_MAX_CONNECTION_AGE_MS",
  "GRPC_HANDSHAKE_TIMEOUT_MS",
  "GRPC_RESPONSE_COMPRESSION",
  "GRPC_WEB_CORS_ORIGINS",
  "AUTH_JWT_SECRET",
  "AUTH_JWT_PUBLIC_KEY_FILE",
  "AUTH_JWKS_URL",
  "AUTH_JWT_ISSUER",
  "AUTH_JWT_AUDIENCE",
  "AUTH_OPTIONAL",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
  "TLS_CA_FILE",
  "RATE_LIMIT_RPS",
  "RATE_LIMIT_BURST",
] as const;

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

class EnvReader {
  constructor(private readonly env: Env) {}

  file(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !existsSync(value)) this.fail(name, "a path to an existing file", value);
    return value;
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  private fail(name: string, expected: string, value: string): never {
    throw new Error(`${name}: expected ${expected}, got "${value}"`);
  }

  address(name: string, example: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined) splitHostPort(value, name, example);
    return value;
  }

  int(name: string, min: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const n = Number(value.replaceAll("_", ""));
    if (!Number.isSafeInteger(n) || n < min) this.fail(name, `an integer >= ${min}`, value);
    return n;
  }

  positive(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) this.fail(name, "a positive number", value);
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (["true", "1", "yes", "on"].includes(lower)) return true;
    if (["false", "0", "no", "off"].includes(lower)) return false;
    return this.fail(name, "true or false", value);
  }

  oneOf<T extends string>(name: string, allowed: readonly string[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!allowed.includes(value.toLowerCase())) this.fail(name, `one of ${allowed.join(", ")}`, value);
    return value.toLowerCase() as T;
  }

  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    return items;
  }

  url(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    } catch {
      this.fail(name, "an http(s) URL", value);
    }
    return value;
  }
}

function setIf<K extends keyof ServerOptions>(target: ServerOptions, key: K, value: ServerOptions[K] | undefined) {
  if (value !== undefined) target[key] = value;
}

/**
 * Reads the documented environment variables into `ServerOptions` (only those that are set).
 * Throws on a bad value, naming the variable and what it expected.
 */
export function serverOptionsFromEnv(env: Env = process.env): ServerOptions {
  const r = new EnvReader(env);
  const o: ServerOptions = {};
  setIf(o, "listenAddress", r.address("GRPC_LISTEN", "0.0.0.0:50051"));
  setIf(o, "logLevel", r.oneOf<LevelWithSilent>("LOG_LEVEL", LEVELS));
  setIf(o, "metricsListen", r.address("METRICS_LISTEN", "0.0.0.0:9464"));
  const reflection = r.bool("GRPC_REFLECTION");
  if (reflection !== undefined) o.reflection = reflection;
  else if (r.raw("NODE_ENV") === "production") o.reflection = false;
  setIf(o, "shutdownGraceMs", r.int("GRPC_SHUTDOWN_GRACE_MS", 0));
  setIf(o, "drainDelayMs", r.int("GRPC_DRAIN_DELAY_MS", 0));
  setIf(o, "requireDeadline", r.bool("GRPC_REQUIRE_DEADLINE"));
  setIf(o, "maxDeadlineMs", r.int("GRPC_MAX_DEADLINE_MS", 0));
  setIf(o, "maxReceiveMessageBytes", r.int("GRPC_MAX_RECEIVE_BYTES", 1));
  setIf(o, "maxSendMessageBytes", r.int("GRPC_MAX_SEND_BYTES", 1));
  setIf(o, "maxConcurrentStreams", r.int("GRPC_MAX_CONCURRENT_STREAMS", 1));
  setIf(o, "keepaliveTimeMs", r.int("GRPC_KEEPALIVE_TIME_MS", 1));
  setIf(o, "keepaliveTimeoutMs", r.int("GRPC_KEEPALIVE_TIMEOUT_MS", 1));
  setIf(o, "maxConnectionIdleMs", r.int("GRPC_MAX_CONNECTION_IDLE_MS", 1));
  setIf(o, "maxConnectionAgeMs", r.int("GRPC_MAX_CONNECTION_AGE_MS", 1));
  setIf(o, "handshakeTimeoutMs", r.int("GRPC_HANDSHAKE_TIMEOUT_MS", 0));
  setIf(o, "responseCompression", r.oneOf<"identity" | "gzip" | "deflate">("GRPC_RESPONSE_COMPRESSION", ["identity", "gzip", "deflate"]));
  setIf(o, "cors", corsOptionsFromEnv(env));

  // Auth: at most one key source.
  const secret = r.raw("AUTH_JWT_SECRET");
  const publicKeyFile = r.file("AUTH_JWT_PUBLIC_KEY_FILE");
  const jwksUrl = r.url("AUTH_JWKS_URL");
  const sources = [secret && "AUTH_JWT_SECRET", publicKeyFile && "AUTH_JWT_PUBLIC_KEY_FILE", jwksUrl && "AUTH_JWKS_URL"].filter(Boolean);
  if (sources.length > 1) {
    throw new Error(`${sources.join(", ")}: expected only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE, AUTH_JWKS_URL`);
  }
  const issuer = r.list("AUTH_JWT_ISSUER");
  const audience = r.list("AUTH_JWT_AUDIENCE");
  const optional = r.bool("AUTH_OPTIONAL");
  if (sources.length === 1) {
    if (secret !== undefined && secret.length < 32) {
      throw new Error("AUTH_JWT_SECRET: expected at least 32 characters (HS256 needs a 256-bit secret)");
    }
    o.auth = {
      jwt: {
        ...(secret !== undefined && { secret }),
        ...(publicKeyFile !== undefined && { publicKeyFile }),
        ...(jwksUrl !== undefined && { jwksUrl }),
        ...(issuer !== undefined && { issuer }),
        ...(audience !== undefined && { audience }),
      },
      ...(optional !== undefined && { optional }),
    };
  } else if (issuer !== undefined || audience !== undefined) {
    throw new Error(
      "AUTH_JWT_ISSUER/AUTH_JWT_AUDIENCE: expected one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE, AUTH_JWKS_URL to be set too",
    );
  }

  // TLS: cert and key together; a CA turns on mTLS.
  const certFile = r.file("TLS_CERT_FILE");
  const keyFile = r.file("TLS_KEY_FILE");
  const caFile = r.file("TLS_CA_FILE");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error(
      `${certFile === undefined ? "TLS_CERT_FILE" : "TLS_KEY_FILE"}: expected a PEM file path (TLS_CERT_FILE and TLS_KEY_FILE go together)`,
    );
  }
  if (caFile !== undefined && certFile === undefined) {
    throw new Error("TLS_CA_FILE: expected TLS_CERT_FILE and TLS_KEY_FILE to be set too (mTLS needs a server certificate)");
  }
  if (certFile !== undefined && keyFile !== undefined) {
    o.tls = { certFile, keyFile, ...(caFile !== undefined && { caFile }) };
  }

  const rps = r.positive("RATE_LIMIT_RPS");
  const burst = r.int("RATE_LIMIT_BURST", 1);
  if (rps !== undefined) o.rateLimit = { rps, ...(burst !== undefined && { burst }) };
  else if (burst !== undefined) throw new Error("RATE_LIMIT_BURST: expected RATE_LIMIT_RPS to be set too");
  return o;
}
