/**
 * A connection's message budget: a bucket of `burst` tokens refilled at `perMinute`. Refusals
 * in a row are counted so that a client that keeps sending while limited can be closed.
 */
export class MessageRate {
  private tokens: number;
  private refilledAt: number;
  /** Messages refused since the last accepted one. */
  refusedInRow = 0;

  constructor(now: number, burst: number) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** True when the message may be handled; the limits are read each time (they can be reloaded). */
  take(now: number, perMinute: number, burst: number): boolean {
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      this.tokens = Math.min(burst, this.tokens + (elapsed * perMinute) / 60_000);
      this.refilledAt = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInRow = 0;
      return true;
    }
    this.refusedInRow++;
    return false;
  }
}
