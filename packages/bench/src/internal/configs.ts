// The configurations compared, by id. Labels are what the report shows.
import { PREV_SUFFIX } from "./prev.js";

export const SERVER_CONFIGS = {
  "grpc-js": "bare @grpc/grpc-js",
  "nice-grpc": "bare nice-grpc",
  "nice-grpc-naive": "nice-grpc + otel + prometheus + logging + health (naive)",
  "org-server": "@org/server defaults",
  "org-server-all": "@org/server, every middleware on",
  "connect-node": "@connectrpc/connect-node (gRPC)",
  "http2-bare": "bare node:http2 doing the same GetUser work (the limit)",
  "http2-bare-defaults": "bare node:http2 + the defaults' per-call work by hand (their floor)",
  "http2-bare-all": "bare node:http2 + every middleware's per-call work by hand (its floor)",
  "org-server-web": "@org/server defaults, gRPC-Web unary",
} as const;

export type ServerConfigId = keyof typeof SERVER_CONFIGS | "org-server@prev" | "org-server-all@prev";

export const CLIENT_CONFIGS = {
  "grpc-js": "bare @grpc/grpc-js client",
  "nice-grpc": "bare nice-grpc client",
  "org-client": "@org/client defaults (deadline, retry, tracing)",
  "org-client-traced": "@org/client, OpenTelemetry SDK registered (always-on, batching)",
  http2: "raw node:http2 client (reference)",
} as const;

export type ClientConfigId = keyof typeof CLIENT_CONFIGS | "org-client@prev";

/** Configurations that can also run a saved build (`--prev NAME`, id suffix "@prev"). */
export const PREV_CAPABLE = new Set(["org-server", "org-server-all", "org-client"]);

/** `base` of "base@prev", else the id itself. */
export function baseConfig(id: string): string {
  return id.endsWith(PREV_SUFFIX) ? id.slice(0, -PREV_SUFFIX.length) : id;
}

export function isServerConfig(id: string): id is ServerConfigId {
  return Object.hasOwn(SERVER_CONFIGS, baseConfig(id)) && (id === baseConfig(id) || PREV_CAPABLE.has(baseConfig(id)));
}

export function isClientConfig(id: string): id is ClientConfigId {
  return Object.hasOwn(CLIENT_CONFIGS, baseConfig(id)) && (id === baseConfig(id) || PREV_CAPABLE.has(baseConfig(id)));
}

/** The report label of a configuration id (a "@prev" id names the saved build). */
export function configLabel(labels: Record<string, string>, id: string): string {
  const base = labels[baseConfig(id)] ?? id;
  return id === baseConfig(id) ? base : `${base} [saved build ${process.env.BENCH_PREV ?? "?"}]`;
}
