/**
 * Caps retries at a share of recent requests to one upstream, so that retries cannot multiply
 * the load on an upstream that is already failing (Envoy's retry budget). Counts live in
 * one-second buckets over a ten-second window; nothing is allocated per request.
 */
export class RetryBudget {
  private static readonly BUCKETS = 10;
  private readonly requests = new Uint32Array(RetryBudget.BUCKETS);
  private readonly retries = new Uint32Array(RetryBudget.BUCKETS);
  private bucketSecond = 0;

  constructor(
    /** Share of requests that may be retried, e.g. 0.2. */
    private readonly ratio: number,
    /** Retries always allowed per window, so a quiet upstream can still retry. */
    private readonly minRetries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  recordRequest(): void {
    this.requests[this.advance()]! += 1;
  }

  /** Takes one retry from the budget, or returns false when it is spent. */
  tryRetry(): boolean {
    const index = this.advance();
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < RetryBudget.BUCKETS; i++) {
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    if (retries + 1 > Math.max(this.minRetries, this.ratio * requests)) return false;
    this.retries[index]! += 1;
    return true;
  }

  /** The bucket of the current second, clearing the buckets of the seconds skipped since. */
  private advance(): number {
    const second = Math.floor(this.now() / 1000);
    const skipped = Math.min(second - this.bucketSecond, RetryBudget.BUCKETS);
    for (let i = 1; i <= skipped; i++) {
      const index = (this.bucketSecond + i) % RetryBudget.BUCKETS;
      this.requests[index] = 0;
      this.retries[index] = 0;
    }
    if (skipped > 0) this.bucketSecond = second;
    return second % RetryBudget.BUCKETS;
  }
}
