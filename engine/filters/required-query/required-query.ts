import type { RequestStep } from '../../data-plane/filter-chain.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FilterFactory } from '../filter-factory.js';

/**
 * Refuses a request that lacks one of the route's required query parameters with 400, before it
 * costs the upstream anything. It comes after the access filters, so a caller without a valid
 * credential learns nothing about what the route expects.
 */
export function requireQuery(names: readonly string[]): RequestStep {
  const refusals = new Map(
    names.map((name) => [
      name,
      new GatewayError('BAD_REQUEST', `query parameter "${name}" is required`),
    ]),
  );
  return function queryChecked(ex) {
    const missing = firstMissing(ex.query, names);
    return missing === null ? null : (refusals.get(missing) as GatewayError);
  };
}

function firstMissing(query: string, names: readonly string[]): string | null {
  if (query === '') return names[0] ?? null;
  const params = new URLSearchParams(query);
  for (const name of names) if (!params.get(name)) return name;
  return null;
}

/** `required_query`: the query parameters a request must carry. */
export const requiredQuery: FilterFactory = {
  name: 'required_query',
  build({ route }) {
    if (route.required_query === undefined) return null;
    return {
      descriptions: [`required_query ${route.required_query.join(', ')}`],
      request: requireQuery(route.required_query),
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
