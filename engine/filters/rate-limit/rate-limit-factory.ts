import type { RatePolicy } from '../../data-plane/rate-decision.js';
import type { FilterFactory } from '../filter-factory.js';
import { RATE_LIMIT_HEADER_NAMES, type RateLimitHeaders } from './rate-limit-headers.js';
import { createRateLimitHeadersStep, createRateLimitStep } from './rate-limit-step.js';

function ownsRateLimitHeader(name: string): boolean {
  return RATE_LIMIT_HEADER_NAMES.has(name);
}

/**
 * `rate_limit` and middleware.rate_limiting: the route's own or default limit and its caller's
 * tier limit, counted in limiters the table shares (their counters survive reloads).
 */
export const rateLimit: FilterFactory = {
  name: 'rate_limit',
  build({ route, routeName, table, authenticated }) {
    const limits = table.limitsFor(route, authenticated);
    if (limits.length === 0) return null;
    const recorder = table.recorderFor(routeName);
    recorder?.expectRateLimitDecisions();
    const headersByPolicy = new Map<RatePolicy, RateLimitHeaders>();
    for (const { headers } of limits)
      for (const [policy, h] of headers) headersByPolicy.set(policy, h);
    return {
      descriptions: limits.map((l) => l.description),
      request: createRateLimitStep(
        limits.map((l) => l.limit),
        routeName,
        table.clientAddress,
        recorder === null
          ? null
          : (allowed, degraded) => recorder.rateLimitDecision(allowed, degraded),
      ),
      response: createRateLimitHeadersStep(headersByPolicy),
      ownsResponseHeader: ownsRateLimitHeader,
      upstreamHeaders: null,
    };
  },
};
