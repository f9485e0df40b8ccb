import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';

/** The answer when `upstream` has no endpoint a request may use. */
export function noHealthyEndpoint(upstream: string): GatewayError {
  return new GatewayError('SERVICE_UNAVAILABLE', `upstream "${upstream}" has no healthy endpoint`);
}

/**
 * The answer when `group`'s circuit breaker refuses a request; null when it lets it through, the
 * request then holding a breaker slot that its outcome returns.
 */
export function breakerRefusal(group: UpstreamGroup): GatewayError | null {
  const breaker = group.breaker;
  if (breaker === null || breaker.tryAcquire()) return null;
  return new GatewayError(
    'SERVICE_UNAVAILABLE',
    `upstream "${group.name}" is failing; its circuit breaker is open`,
    [['retry-after', String(Math.max(1, breaker.retryAfterSeconds()))]],
  );
}

/** Turns an undici failure into the error the client sees, naming the upstream (not its address). */
export function upstreamError(
  err: Error & { code?: string },
  upstream: string,
  timeoutMs: number,
): GatewayError {
  if (err instanceof GatewayError) return err;
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatewayError(
        'UPSTREAM_TIMEOUT',
        `upstream "${upstream}" did not answer within ${timeoutMs} ms`,
      );
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatewayError(
        'UPSTREAM_TIMEOUT',
        `could not connect to upstream "${upstream}" in time`,
      );
    default:
      return new GatewayError(
        'BAD_GATEWAY',
        `upstream "${upstream}" is unreachable or failed (${err.code ?? err.name})`,
      );
  }
}
