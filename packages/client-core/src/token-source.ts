// Bearer tokens: a static string, or an async provider whose token is cached until shortly before
// it expires. Concurrent calls share one refresh.

/** What an async token provider returns. */
export interface AccessToken {
  /** The bearer token, sent as `authorization: Bearer <token>`. */
  token: string;
  /** When the token stops being valid; it is refreshed 30 s before. Default: never expires. */
  expiresAt?: Date | number | undefined;
}

/** Returns a fresh access token; called once, then again only near expiry or after UNAUTHENTICATED. */
export type TokenProvider = () => Promise<AccessToken>;

/** Tokens are refreshed this long before they expire. */
export const REFRESH_BEFORE_EXPIRY_MS = 30_000;

export class TokenSource {
  readonly #provider: TokenProvider | undefined;
  #value: string | undefined;
  #refreshAt = Number.POSITIVE_INFINITY;
  #pending: Promise<string> | undefined;

  constructor(token: string | TokenProvider) {
    if (typeof token === "string") this.#value = `Bearer ${token}`;
    else this.#provider = token;
  }

  /** The `authorization` value: synchronous while cached. */
  get(): string | Promise<string> {
    if (this.#value !== undefined && Date.now() < this.#refreshAt) return this.#value;
    if (this.#provider === undefined) return this.#value as string;
    this.#pending ??= this.#refresh(this.#provider);
    return this.#pending;
  }

  /** Drops a cached provider token (after the server said UNAUTHENTICATED). */
  invalidate(): void {
    if (this.#provider !== undefined) this.#value = undefined;
  }

  async #refresh(provider: TokenProvider): Promise<string> {
    try {
      const { token, expiresAt } = await provider();
      const value = `Bearer ${token}`;
      this.#value = value;
      this.#refreshAt = expiresAt === undefined ? Number.POSITIVE_INFINITY : new Date(expiresAt).getTime() - REFRESH_BEFORE_EXPIRY_MS;
      return value;
    } finally {
      this.#pending = undefined;
    }
  }
}
