// The configurations compared, by id. Labels are what the report shows.

export const SERVER_CONFIGS = {
  "grpc-js": "bare @grpc/grpc-js",
  "nice-grpc": "bare nice-grpc",
  "nice-grpc-naive": "nice-grpc + otel + prometheus + logging + health (naive)",
  "org-server": "@org/server defaults",
  "org-server-all": "@org/server, every middleware on",
  "connect-node": "@connectrpc/connect-node (gRPC)",
} as const;

export type ServerConfigId = keyof typeof SERVER_CONFIGS;

export const CLIENT_CONFIGS = {
  "grpc-js": "bare @grpc/grpc-js client",
  "nice-grpc": "bare nice-grpc client",
  "org-client": "@org/client defaults (deadline, retry, tracing)",
  "org-client-traced": "@org/client, OpenTelemetry SDK registered (always-on, batching)",
  "http2": "raw node:http2 client (reference)",
} as const;

export type ClientConfigId = keyof typeof CLIENT_CONFIGS;

export function isServerConfig(id: string): id is ServerConfigId {
  return Object.hasOwn(SERVER_CONFIGS, id);
}

export function isClientConfig(id: string): id is ClientConfigId {
  return Object.hasOwn(CLIENT_CONFIGS, id);
}
