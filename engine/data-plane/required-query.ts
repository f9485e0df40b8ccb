import type { RouteHandler } from '../compile/compiled-route.js';
import { GatewayError } from '../errors/gateway-error.js';
import { discardRequestBody } from './request-body.js';
import { sendError } from './respond.js';

export interface RequiredQueryOptions {
  /** Query parameters that must be present with a non-empty value. */
  names: readonly string[];
  maxBodyBytes: number;
  requestTimeoutMs: number;
}

/**
 * Refuses a request that lacks one of the route's required query parameters with 400, before it
 * costs the upstream anything. It runs after the route's guards, so a caller without a valid
 * credential learns nothing about what the route expects.
 */
export function requireQuery(o: RequiredQueryOptions, next: RouteHandler): RouteHandler {
  const refusals = new Map(
    o.names.map((name) => [
      name,
      new GatewayError('BAD_REQUEST', `query parameter "${name}" is required`),
    ]),
  );
  return function queryChecked(ex, params, wildcard) {
    const missing = firstMissing(ex.query, o.names);
    if (missing === null) {
      next(ex, params, wildcard);
      return;
    }
    const refusal = refusals.get(missing) as GatewayError;
    if (!ex.hasBody || ex.heldBody?.last === true) sendError(ex, refusal);
    else discardRequestBody(ex, o.maxBodyBytes, o.requestTimeoutMs, () => sendError(ex, refusal));
  };
}

function firstMissing(query: string, names: readonly string[]): string | null {
  if (query === '') return names[0] ?? null;
  const params = new URLSearchParams(query);
  for (const name of names) if (!params.get(name)) return name;
  return null;
}
