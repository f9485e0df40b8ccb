/** What to do with a request when the shared store (Redis) cannot answer. */
export type StoreErrorMode = 'allow' | 'deny' | 'local';

/** The policy a limiter enforces, for response headers and logs. */
export interface RatePolicy {
  readonly id: string;
  readonly points: number;
  readonly durationSeconds: number;
}

/** One request counted against one limit: the exchange keeps it for headers and the access log. */
export interface RateDecision {
  allowed: boolean;
  /** The limit it was counted against. */
  policy: RatePolicy;
  /** The policy's limit (points per window). */
  limit: number;
  /** Requests left in the window; under 'allow' fallback the count is unknown and given as limit. */
  remaining: number;
  /** Seconds until the window resets (a delta, rounded up). */
  resetSeconds: number;
  /** Seconds the client should wait, set on refusals (at least 1). */
  retryAfterSeconds?: number;
  /** Set when the store failed and this decision came from the fallback. */
  degraded?: StoreErrorMode;
}
