// HS256 JSON Web Tokens signed with node:crypto, so auth cases need no JWT library.
import { createHmac } from "node:crypto";

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

export interface SignOptions {
  /** Shared HMAC secret. */
  secret: string;
  /** Claims; `exp`/`iat` are seconds since the epoch. */
  claims: Record<string, unknown>;
  /** JOSE header override (defaults to `{ alg: "HS256", typ: "JWT" }`). */
  header?: Record<string, unknown>;
}

export function signJwt({ secret, claims, header = { alg: "HS256", typ: "JWT" } }: SignOptions): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac("sha256", secret).update(input).digest("base64url");
  return `${input}.${signature}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
