import { GatewayError } from '../../errors/gateway-error.js';
import type { RateDecision, RatePolicy } from '../../data-plane/rate-decision.js';

export type HeaderList = Array<readonly [string, string]>;

/** A decision's counts: all the headers are made of (the policy is the builder's own). */
type Counts = Omit<RateDecision, 'policy'>;

/** Where `write` puts the headers: a response head. */
export interface HeaderSink {
  add(name: string, value: string): void;
}

/** Every header name the limit headers use: the upstream's own copies are dropped. */
export const RATE_LIMIT_HEADER_NAMES: ReadonlySet<string> = new Set([
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit-policy',
  'ratelimit',
]);

export interface RateLimitHeaders {
  /** Headers for a response to a request that was counted (allowed or refused). */
  forDecision(decision: Counts, nowMs?: number): HeaderList;
  /** The same headers, written to `head` one by one (no list is made). */
  write(decision: Counts, head: HeaderSink, nowMs?: number): void;
  /** The 429 for a refused decision: Retry-After plus the same headers. */
  refusal(decision: Counts, nowMs?: number): GatewayError;
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

  function write(decision: Counts, head: HeaderSink, nowMs = Date.now()): void {
    if (decision.degraded !== 'allow') {
      const remaining = String(decision.remaining);
      head.add(limit[0], limit[1]);
      head.add('x-ratelimit-remaining', remaining);
      head.add('x-ratelimit-reset', String(Math.ceil(nowMs / 1000) + decision.resetSeconds));
      head.add(policyHeader[0], policyHeader[1]);
      head.add('ratelimit', `${id};r=${remaining};t=${decision.resetSeconds}`);
      return;
    }
    head.add(policyHeader[0], policyHeader[1]);
  }

  function forDecision(decision: Counts, nowMs = Date.now()): HeaderList {
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

  function refusal(decision: Counts, nowMs = Date.now()): GatewayError {
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

  return { forDecision, write, refusal };
}

/** A structured-field string: quoted, with '\' and '"' escaped and non-printables dropped. */
function sfString(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}
