/*
 * GRPC_WEB_CORS_ORIGINS: the origins allowed to call over gRPC-Web, from the environment (read by
 * env.ts beside the other variables).
 */
import { type CorsOptions, normalizeOrigin } from "./cors.js";

export const CORS_ORIGINS_ENV = "GRPC_WEB_CORS_ORIGINS";

/**
 * `GRPC_WEB_CORS_ORIGINS=https://app.example.com,http://localhost:5173` (comma-separated origins)
 * or `*` (any origin). Unset or empty: undefined (no cross-origin calls). A bad value throws with
 * the variable's name and what it expected.
 */
export function corsOptionsFromEnv(env: Record<string, string | undefined> = process.env): CorsOptions | undefined {
  const raw = env[CORS_ORIGINS_ENV]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (raw === "*") return { origins: "*" };
  const origins: string[] = [];
  for (const item of raw.split(",")) {
    const value = item.trim();
    if (value === "") {
      throw new Error(`${CORS_ORIGINS_ENV}: expected comma-separated origins or *, got an empty entry in "${raw}"`);
    }
    if (value === "*") {
      throw new Error(`${CORS_ORIGINS_ENV}: "*" allows every origin and must stand alone, got "${raw}"`);
    }
    try {
      origins.push(normalizeOrigin(value));
    } catch (error) {
      throw new Error(`${CORS_ORIGINS_ENV}: ${(error as Error).message}`);
    }
  }
  return { origins };
}
