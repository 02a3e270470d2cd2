import type { Metadata } from "nice-grpc-common";
import { resourceExhausted } from "../errors.js";
import { DEFAULT_EXEMPT, exemptionMatcher } from "./auth.js";
import type { InternalCallContext } from "./core.js";

/** One token bucket: `rps` tokens per second, at most `burst` saved up. */
export interface BucketLimit {
  /** Sustained calls per second. */
  rps: number;
  /** Calls allowed at once after a quiet period. Default: `max(1, rps)`. */
  burst?: number;
}

/** Options of the rate limiter. */
export interface RateLimitOptions extends BucketLimit {
  /**
   * Per-method limits keyed by full path (`/pkg.Svc/Method`) or service name (`pkg.Svc`); `false`
   * exempts. A method with its own limit has its own bucket per client. Default `{}`.
   */
  methods?: Record<string, BucketLimit | false>;
  /**
   * Methods never limited: paths or service names. Default: health and reflection.
   */
  exempt?: string[];
  /** Client identity. Default: the principal's subject, else the peer's IP address. */
  key?: (context: InternalCallContextLike) => string;
  /** Buckets kept before the oldest idle ones are dropped. Default `100_000`. */
  maxClients?: number;
}

/** The part of the call context a custom `key` function can use. */
export interface InternalCallContextLike {
  peer: string;
  principal: { subject: string } | undefined;
  metadata: Metadata;
}

class Bucket {
  tokens: number;
  updatedAt: number;
  constructor(
    readonly ratePerMs: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }
  /** Takes a token; returns 0 on success, else ms until one is available. */
  take(now: number): number {
    const refill = (now - this.updatedAt) * this.ratePerMs;
    this.tokens = Math.min(this.burst, this.tokens + refill);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.ratePerMs);
  }
}

function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(":");
  return colon > 0 ? peer.slice(0, colon) : peer;
}

function defaultKey(context: InternalCallContextLike): string {
  return context.principal !== undefined ? `p:${context.principal.subject}` : `a:${peerAddress(context.peer)}`;
}

interface Group {
  /** Bucket key prefix: "" for the shared server-wide bucket, else the method's own. */
  prefix: string;
  limit: Required<BucketLimit>;
}

function normalise(limit: BucketLimit, where: string): Required<BucketLimit> {
  if (!(limit.rps > 0)) throw new Error(`${where}.rps must be a positive number, got ${limit.rps}`);
  const burst = limit.burst ?? Math.max(1, limit.rps);
  if (!(burst >= 1)) throw new Error(`${where}.burst must be at least 1, got ${limit.burst}`);
  return { rps: limit.rps, burst };
}

/** The rate-limit step of one method: throws RESOURCE_EXHAUSTED when the caller's bucket is empty. */
export type RateLimitCheck = (context: InternalCallContext) => void;

/**
 * Token-bucket rate limiting per client (principal, else peer address). Runs after auth so it keys
 * by principal. Exceeding the limit answers RESOURCE_EXHAUSTED with `google.rpc.RetryInfo`. A step
 * of the core (middleware/core.ts) rather than a middleware layer: `forMethod(path)` gives the
 * check of one method, or `undefined` for methods that are not limited.
 */
export function rateLimitStep(options: RateLimitOptions): { forMethod(path: string): RateLimitCheck | undefined } {
  const shared: Group = { prefix: "", limit: normalise(options, "rateLimit") };
  const perMethod = new Map<string, Group | false>();
  for (const [name, limit] of Object.entries(options.methods ?? {})) {
    perMethod.set(name, limit === false ? false : { prefix: `${name}\u0000`, limit: normalise(limit, `rateLimit.methods["${name}"]`) });
  }
  const isExempt = exemptionMatcher(options.exempt ?? DEFAULT_EXEMPT);
  const keyOf = options.key ?? defaultKey;
  const maxClients = options.maxClients ?? 100_000;
  const buckets = new Map<string, Bucket>();

  return {
    forMethod(path) {
      if (isExempt(path)) return undefined;
      const group = perMethod.get(path) ?? perMethod.get(path.slice(1, path.lastIndexOf("/"))) ?? shared;
      if (group === false) return undefined;
      const { prefix, limit } = group;
      return (context) => {
        const key = prefix + keyOf(context);
        const now = performance.now();
        let bucket = buckets.get(key);
        if (bucket === undefined) {
          if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value!);
          bucket = new Bucket(limit.rps / 1000, limit.burst, now);
          buckets.set(key, bucket);
        }
        const waitMs = bucket.take(now);
        if (waitMs > 0) throw resourceExhausted("rate limit exceeded; retry later", waitMs);
      };
    },
  };
}
