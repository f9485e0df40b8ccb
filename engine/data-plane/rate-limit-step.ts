import type { ClientAddress } from '../compile/client-address.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { RateLimitHeaders } from '../filters/rate-limit/rate-limit-headers.js';
import { apiKeyIdOf } from '../filters/auth/identity.js';
import type { KeyReader, RateLimitRequest } from '../filters/rate-limit/rate-limit-key.js';
import type { RateDecision, RateLimiter } from '../filters/rate-limit/rate-limiter.js';
import type { Exchange } from './exchange.js';

/** One limit a route enforces: a limiter and what it counts by. */
export interface RouteLimit {
  /** The limiter; for tier limits, chosen by the caller's tier. */
  limiterFor(ex: Exchange): { limiter: RateLimiter; headers: RateLimitHeaders };
  key: KeyReader;
}

export type RateLimitStep = (ex: Exchange) => Promise<GatewayError | null>;

/** Told each request's decision: allowed or not, and whether a store fallback made it. */
export type RateLimitRecorder = (allowed: boolean, degraded: boolean) => void;

/**
 * Counts the request against each of the route's limits (its own, and its tier's) and answers
 * 429 when one refuses. The response tells the client about the limit closest to refusing.
 */
export function createRateLimitStep(
  limits: readonly RouteLimit[],
  routeName: string,
  clientAddress: ClientAddress,
  record: RateLimitRecorder | null,
): RateLimitStep {
  return async function rateLimit(ex) {
    const request: RateLimitRequest = {
      clientIp: clientAddress(ex),
      subject: ex.identity?.subject,
      apiKeyId: ex.identity === null ? undefined : apiKeyIdOf(ex.identity),
      routeName,
      header: (name) => ex.header(name),
    };
    if (limits.length === 1) {
      // The common case: one limit, counted without the arrays the general case needs.
      const { limiter, headers } = (limits[0] as RouteLimit).limiterFor(ex);
      const decision = await limiter.consume((limits[0] as RouteLimit).key(request));
      ex.rateLimit = decision;
      record?.(decision.allowed, decision.degraded !== undefined);
      if (!decision.allowed) return headers.refusal(decision);
      ex.addResponseHeaders(headers.forDecision(decision));
      return null;
    }
    const counted = await Promise.all(
      limits.map(async (limit) => {
        const { limiter, headers } = limit.limiterFor(ex);
        const decision = await limiter.consume(limit.key(request));
        return { decision, headers };
      }),
    );
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
    ex.addResponseHeaders(tightest.headers.forDecision(tightest.decision));
    return null;
  };
}

function share(decision: RateDecision): number {
  return decision.remaining / decision.limit;
}
