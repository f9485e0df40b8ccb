/** One key's window: requests counted in it, and when it ends (epoch ms). */
export interface CountedWindow {
  count: number;
  endsAt: number;
}

/**
 * Fixed windows counted in this process the way rate-limiter-flexible's memory store counts
 * them (a key's window opens with its first request and lasts `durationMs`; requests over the
 * limit count too), but answered synchronously, so a memory limit makes no promise per request.
 * Ended windows are swept when a new one opens, at most once per window length: no timers.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, CountedWindow>();
  private nextSweep: number;

  constructor(private readonly durationMs: number) {
    this.nextSweep = Date.now() + durationMs;
  }

  /** Counts one request for `key`; the window returned is live: read it before the next count. */
  count(key: string): CountedWindow {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      if (now >= this.nextSweep) this.sweep(now);
      if (window === undefined) {
        window = { count: 0, endsAt: 0 };
        this.windows.set(key, window);
      }
      window.count = 0;
      window.endsAt = now + this.durationMs;
    }
    window.count++;
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.nextSweep = now + this.durationMs;
  }
}
