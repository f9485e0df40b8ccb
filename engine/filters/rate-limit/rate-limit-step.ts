import type { ClientAddress } from '../../data-plane/client-address.js';
import type { Exchange } from '../../data-plane/exchange.js';
import type { RequestStep, ResponseStep, Verdict } from '../../data-plane/filter-chain.js';
import { apiKeyIdOf } from '../../data-plane/identity.js';
import type { RateDecision, RatePolicy } from '../../data-plane/rate-decision.js';
import type { RateLimitHeaders } from './rate-limit-headers.js';
import type { KeyReader, RateLimitRequest } from './rate-limit-key.js';
import type { RateLimiter } from './rate-limiter.js';

/** One limit a route enforces: a limiter and what it counts by. */
export interface RouteLimit {
  /** The limiter; for tier limits, chosen by the caller's tier. */
  limiterFor(ex: Exchange): { limiter: RateLimiter; headers: RateLimitHeaders };
  key: KeyReader;
}

/** Told each request's decision: allowed or not, and whether a store fallback made it. */
export type RateLimitRecorder = (allowed: boolean, degraded: boolean) => void;

/**
 * The request's parts a key reads, for the request being counted now. Keys are read before the
 * first await, so one object per route serves every request and none is made per request.
 */
class CountedRequest implements RateLimitRequest {
  ex: Exchange | null = null;
  subject: string | undefined = undefined;
  apiKeyId: string | undefined = undefined;

  constructor(
    readonly routeName: string,
    private readonly clientAddress: ClientAddress,
  ) {}

  get clientIp(): string {
    return this.clientAddress(this.ex as Exchange);
  }

  header(lowercaseName: string): string | undefined {
    return (this.ex as Exchange).header(lowercaseName);
  }

  readFrom(ex: Exchange): this {
    const identity = ex.identity;
    this.ex = ex;
    this.subject = identity?.subject;
    this.apiKeyId = identity === null ? undefined : apiKeyIdOf(identity);
    return this;
  }
}

/**
 * Counts the request against each of the route's limits (its own, and its tier's) and answers
 * 429 when one refuses. The response tells the client about the limit closest to refusing.
 */
export function createRateLimitStep(
  limits: readonly RouteLimit[],
  routeName: string,
  clientAddress: ClientAddress,
  record: RateLimitRecorder | null,
): RequestStep {
  const request = new CountedRequest(routeName, clientAddress);

  if (limits.length === 1) {
    // The common case: one limit, counted without the arrays the general case needs.
    const only = limits[0] as RouteLimit;
    return function rateLimit(ex) {
      const { limiter, headers } = only.limiterFor(ex);
      const key = only.key(request.readFrom(ex));
      request.ex = null;
      const decision = limiter.consume(key);
      if (!(decision instanceof Promise)) return decided(ex, decision, headers);
      return decision.then((settled) => decided(ex, settled, headers));
    };
  }
  function decided(ex: Exchange, decision: RateDecision, headers: RateLimitHeaders): Verdict {
    ex.rateLimit = decision;
    record?.(decision.allowed, decision.degraded !== undefined);
    return decision.allowed ? null : headers.refusal(decision);
  }
  return function rateLimits(ex) {
    request.readFrom(ex);
    let waiting = false;
    const counted = limits.map((limit) => {
      const { limiter, headers } = limit.limiterFor(ex);
      const decision = limiter.consume(limit.key(request));
      if (decision instanceof Promise) {
        waiting = true;
        return decision.then((settled) => ({ decision: settled, headers }));
      }
      return { decision, headers };
    });
    request.ex = null;
    if (!waiting) return decidedAll(ex, counted as Counted[]);
    return Promise.all(counted).then((settled) => decidedAll(ex, settled));
  };
  function decidedAll(ex: Exchange, counted: readonly Counted[]): Verdict {
    const refused = counted.find((c) => !c.decision.allowed);
    record?.(
      refused === undefined,
      counted.some((c) => c.decision.degraded !== undefined),
    );
    if (refused !== undefined) {
      ex.rateLimit = refused.decision;
      return refused.headers.refusal(refused.decision);
    }
    const tightest = counted.reduce((a, b) => (share(b.decision) < share(a.decision) ? b : a));
    ex.rateLimit = tightest.decision;
    return null;
  }
}

/** One limit's decision on a request, with the headers that report it. */
interface Counted {
  decision: RateDecision;
  headers: RateLimitHeaders;
}

function share(decision: { remaining: number; limit: number }): number {
  return decision.remaining / decision.limit;
}

/** Tells the client about the limit the request was counted against, on any answer but the 429. */
export function createRateLimitHeadersStep(
  headersByPolicy: ReadonlyMap<RatePolicy, RateLimitHeaders>,
): ResponseStep {
  return function addRateLimitHeaders(ex, head) {
    const decision = ex.rateLimit;
    if (decision === null || !decision.allowed) return;
    headersByPolicy.get(decision.policy)?.write(decision, head);
  };
}
