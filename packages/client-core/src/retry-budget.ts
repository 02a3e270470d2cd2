// Retry throttling as in gRPC's A6 design: a token bucket shared by all calls of one client.
// Every attempt that fails with a retryable code takes a token, every success gives back
// `tokenRatio`, and retries are allowed only while more than half the bucket is left — so when
// a server is down, retries stop after a few failures instead of multiplying the load.
export class RetryBudget {
  readonly #maxTokens: number;
  readonly #tokenRatio: number;
  #tokens: number;

  constructor(maxTokens: number, tokenRatio: number) {
    if (!(maxTokens > 0) || !(tokenRatio > 0)) {
      throw new TypeError("retry.budget needs maxTokens > 0 and tokenRatio > 0");
    }
    this.#maxTokens = maxTokens;
    this.#tokenRatio = tokenRatio;
    this.#tokens = maxTokens;
  }

  /** Current token count (for tests and diagnostics). */
  get tokens(): number {
    return this.#tokens;
  }

  onSuccess(): void {
    this.#tokens = Math.min(this.#maxTokens, this.#tokens + this.#tokenRatio);
  }

  onFailure(): void {
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  /** Whether a retry may be attempted now. */
  allowsRetry(): boolean {
    return this.#tokens > this.#maxTokens / 2;
  }
}
