import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from "jose";
import { ServerError, Status } from "nice-grpc-common";
import type { Principal } from "../context.js";
import type { InternalCallContext } from "./core.js";

/** What an authorisation hook learns about the method being called. */
export interface MethodInfo {
  /** `/package.Service/Method`. */
  path: string;
  /** `package.Service`. */
  service: string;
  /** `Method`. */
  method: string;
}

/** JWT verification (jose). Exactly one of `secret`, `publicKey`, `publicKeyFile`, `jwksUrl`. */
export interface JwtOptions {
  /** Shared secret for HS256/384/512. */
  secret?: string | Uint8Array;
  /** PEM (SPKI or certificate) public key for RS*, PS*, ES*, EdDSA. */
  publicKey?: string;
  /** Path of a PEM public key file. */
  publicKeyFile?: string;
  /** URL of a JSON Web Key Set; keys are fetched and cached by jose. */
  jwksUrl?: string;
  /** Required `iss`. Default: not checked. */
  issuer?: string | string[];
  /** Required `aud`. Default: not checked. */
  audience?: string | string[];
  /** Accepted `alg` values. Default: jose's defaults for the key type. */
  algorithms?: string[];
  /** Allowed clock skew for `exp`/`nbf`, seconds. Default `5`. */
  clockToleranceSec?: number;
}

/** Options of the auth middleware. Give `verify` or `jwt`. */
export interface AuthOptions {
  /**
   * Verifies the bearer token and returns the caller; return `undefined` or throw to reject it
   * (the thrown message is not sent to the client unless it is a `ServerError`).
   */
  verify?: (token: string, method: MethodInfo) => Principal | undefined | Promise<Principal | undefined>;
  /** Verify the bearer token as a JWT. */
  jwt?: JwtOptions;
  /**
   * Per-method authorisation: return `false` (or throw) to answer PERMISSION_DENIED.
   * Default: every authenticated caller may call every method.
   */
  authorize?: (principal: Principal, method: MethodInfo) => boolean | Promise<boolean>;
  /**
   * Methods that need no token: full paths (`/pkg.Svc/Method`) or service names (`pkg.Svc`).
   * Default: `["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]`.
   */
  exempt?: string[];
  /** Let calls without an `authorization` header through anonymously (a bad token is still rejected). Default `false`. */
  optional?: boolean;
  /** Verified tokens remembered (until they expire) to skip re-verification. Default `1000`; `0` disables. */
  cacheSize?: number;
}

export const DEFAULT_EXEMPT = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

/** Builds `isExempt(path)` from a list of paths and service names. */
export function exemptionMatcher(list: readonly string[]): (path: string) => boolean {
  const set = new Set(list);
  const cache = new Map<string, boolean>();
  return (path) => {
    let hit = cache.get(path);
    if (hit === undefined) {
      hit = set.has(path) || set.has(path.slice(1, path.lastIndexOf("/")));
      cache.set(path, hit);
    }
    return hit;
  };
}

export function methodInfo(path: string): MethodInfo {
  const slash = path.lastIndexOf("/");
  return { path, service: path.slice(1, slash), method: path.slice(slash + 1) };
}

type Verifier = (token: string, method: MethodInfo) => Promise<{ principal: Principal; expiresAtMs: number }>;

function loadJwtKey(jwt: JwtOptions): KeyObject | JWTVerifyGetKey {
  const given = [jwt.secret, jwt.publicKey, jwt.publicKeyFile, jwt.jwksUrl].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new Error("auth.jwt needs exactly one of secret, publicKey, publicKeyFile, jwksUrl");
  }
  if (jwt.secret !== undefined) {
    return createSecretKey(typeof jwt.secret === "string" ? Buffer.from(jwt.secret, "utf8") : jwt.secret);
  }
  if (jwt.publicKey !== undefined) return createPublicKey(jwt.publicKey);
  if (jwt.publicKeyFile !== undefined) return createPublicKey(readFileSync(jwt.publicKeyFile));
  return createRemoteJWKSet(new URL(jwt.jwksUrl!));
}

/** Maps jose's failures to a reason that names the problem and never contains the token. */
function jwtFailure(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "token expired";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "bad token signature";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "bad token signature: no key matches the token";
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${err.claim}" check failed`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "token algorithm not allowed";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return "signing keys unavailable";
  return "malformed token";
}

function jwtVerifier(jwt: JwtOptions): Verifier {
  const key = loadJwtKey(jwt);
  const options = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    algorithms: jwt.algorithms,
    clockTolerance: jwt.clockToleranceSec ?? 5,
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (err) {
      throw new ServerError(Status.UNAUTHENTICATED, jwtFailure(err));
    }
    return {
      principal: { subject: payload.sub ?? "", claims: payload as Record<string, unknown> },
      expiresAtMs: payload.exp === undefined ? Infinity : payload.exp * 1000,
    };
  };
}

function customVerifier(verify: NonNullable<AuthOptions["verify"]>): Verifier {
  return async (token, method) => {
    let principal: Principal | undefined;
    try {
      principal = await verify(token, method);
    } catch (err) {
      if (err instanceof ServerError) throw err;
      throw new ServerError(Status.UNAUTHENTICATED, "invalid token");
    }
    if (principal === undefined) throw new ServerError(Status.UNAUTHENTICATED, "invalid token");
    // A custom verifier decides per call; never cache its answer.
    return { principal, expiresAtMs: 0 };
  };
}

/** The auth step of one method: sets `principal` or throws; a promise only when it must wait. */
export type AuthCheck = (context: InternalCallContext) => void | Promise<void>;

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Authentication (`authorization: Bearer <token>`, verified by a function or as a JWT) and
 * per-method authorisation, as a step of the core (middleware/core.ts) rather than a middleware
 * layer: `forMethod(path)` gives the check of one method, or `undefined` for exempt methods
 * (they pass with `principal` undefined). A cached token and a synchronous `authorize` need no
 * promise.
 */
export function authStep(options: AuthOptions): { forMethod(path: string): AuthCheck | undefined } {
  if (options.verify === undefined && options.jwt === undefined) {
    throw new Error("auth needs `verify` or `jwt`");
  }
  const verify = options.verify !== undefined ? customVerifier(options.verify) : jwtVerifier(options.jwt!);
  const isExempt = exemptionMatcher(options.exempt ?? DEFAULT_EXEMPT);
  const authorize = options.authorize;
  const cacheSize = options.cacheSize ?? 1000;
  const cache = new Map<string, { principal: Principal; expiresAtMs: number }>();

  function denied(principal: Principal, path: string): ServerError {
    return new ServerError(Status.PERMISSION_DENIED, `permission denied: ${principal.subject || "caller"} may not call ${path}`);
  }

  /** authorize() → nothing, a PERMISSION_DENIED throw, or a promise of either. */
  function authorized(principal: Principal, method: MethodInfo): void | Promise<void> {
    if (authorize === undefined) return;
    let allowed: boolean | Promise<boolean>;
    try {
      allowed = authorize(principal, method);
    } catch (err) {
      if (err instanceof ServerError) throw err;
      allowed = false;
    }
    if (!isThenable(allowed)) {
      if (!allowed) throw denied(principal, method.path);
      return;
    }
    return Promise.resolve(allowed).then(
      (ok) => {
        if (!ok) throw denied(principal, method.path);
      },
      (err: unknown) => {
        throw err instanceof ServerError ? err : denied(principal, method.path);
      },
    );
  }

  /** Verifies `token` (from the authorization header `header`), caching the result under the header. */
  async function verifyThenAuthorize(context: InternalCallContext, header: string, token: string, method: MethodInfo): Promise<void> {
    const verified = await verify(token, method);
    if (cacheSize > 0 && verified.expiresAtMs > Date.now()) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(header, verified);
    }
    context.principal = verified.principal;
    await authorized(verified.principal, method);
  }

  return {
    forMethod(path) {
      if (isExempt(path)) return undefined;
      const method = methodInfo(path);
      return (context) => {
        const header = context.requestValue("authorization");
        if (header === undefined || header === "") {
          if (options.optional) return;
          throw new ServerError(Status.UNAUTHENTICATED, "missing bearer token: send `authorization: Bearer <token>`");
        }
        // The cache is keyed by the whole header value: a client sends the same one on every call,
        // so a hit needs no parsing (the header was parsed and its token verified when it was cached).
        const verified = cache.get(header);
        if (verified !== undefined && verified.expiresAtMs > Date.now()) {
          context.principal = verified.principal;
          return authorized(verified.principal, method);
        }
        const match = BEARER.exec(header);
        if (match === null) {
          throw new ServerError(Status.UNAUTHENTICATED, "malformed authorization header: expected `Bearer <token>`");
        }
        return verifyThenAuthorize(context, header, match[1]!, method);
      };
    },
  };
}
