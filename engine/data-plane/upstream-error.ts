import { GatewayError } from '../errors/gateway-error.js';

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
