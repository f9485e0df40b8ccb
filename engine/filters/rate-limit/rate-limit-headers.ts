import { GatewayError } from '../../errors/gateway-error.js';
import type { RateDecision, RatePolicy } from './rate-limiter.js';

export type HeaderList = Array<readonly [string, string]>;

export interface RateLimitHeaders {
  /** Headers for a response to a request that was counted (allowed or refused). */
  forDecision(decision: RateDecision, nowMs?: number): HeaderList;
  /** The 429 for a refused decision: Retry-After plus the same headers. */
  refusal(decision: RateDecision, nowMs?: number): GatewayError;
}

/**
 * Builds, once per policy, the rate limit response headers:
 * - `x-ratelimit-limit`, `x-ratelimit-remaining`, and `x-ratelimit-reset` as Unix epoch seconds
 *   of the window's end (rounded up), as seeds 003 and 004 show (`X-RateLimit-Reset: 1699368000`);
 * - the IETF draft pair (draft-ietf-httpapi-ratelimit-headers): `ratelimit-policy:
 *   "<id>";q=<points>;w=<window seconds>` and `ratelimit: "<id>";r=<remaining>;t=<seconds to
 *   reset>`, where t is a delta, as the draft defines it.
 * Under the 'allow' fallback the store's count is unknown, so no counters are sent rather than
 * made-up ones; only the policy is. Header names are lowercase, as elsewhere in the gateway.
 */
export function createRateLimitHeaders(policy: RatePolicy): RateLimitHeaders {
  const id = sfString(policy.id);
  const policyHeader = [
    'ratelimit-policy',
    `${id};q=${policy.points};w=${policy.durationSeconds}`,
  ] as const;
  const limit = ['x-ratelimit-limit', String(policy.points)] as const;

  function forDecision(decision: RateDecision, nowMs = Date.now()): HeaderList {
    if (decision.degraded === 'allow') return [policyHeader];
    const remaining = String(decision.remaining);
    return [
      limit,
      ['x-ratelimit-remaining', remaining],
      ['x-ratelimit-reset', String(Math.ceil(nowMs / 1000) + decision.resetSeconds)],
      policyHeader,
      ['ratelimit', `${id};r=${remaining};t=${decision.resetSeconds}`],
    ];
  }

  function refusal(decision: RateDecision, nowMs = Date.now()): GatewayError {
    const retryAfter = decision.retryAfterSeconds ?? Math.max(1, decision.resetSeconds);
    const message =
      decision.degraded === 'deny'
        ? `rate limit "${policy.id}" cannot be checked right now; retry in ${retryAfter} s`
        : `rate limit of ${policy.points} requests per ${policy.durationSeconds} s exceeded; retry in ${retryAfter} s`;
    return new GatewayError('RATE_LIMITED', message, [
      ['retry-after', String(retryAfter)],
      ...forDecision(decision, nowMs),
    ]);
  }

  return { forDecision, refusal };
}

/** A structured-field string: quoted, with '\' and '"' escaped and non-printables dropped. */
function sfString(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}
