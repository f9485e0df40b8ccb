import { authRequirement } from '../access-control-settings.js';
import type { RequestStep } from '../../data-plane/filter-chain.js';
import type { Identity } from '../../data-plane/identity.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FilterFactory } from '../filter-factory.js';
import type { ContextHeaders } from './context-headers.js';

/**
 * The identity headers for one verified caller, as [name, value, ...]. Providers reuse one
 * Identity per credential while it is cached, so the headers are built once per identity too.
 */
function cachedBuilder(
  contextHeaders: ContextHeaders,
): (identity: Identity) => string[] | GatewayError {
  const built = new WeakMap<Identity, string[] | GatewayError>();
  return function identityHeaders(identity) {
    let headers = built.get(identity);
    if (headers === undefined) {
      const pairs = contextHeaders.build(identity);
      headers = pairs instanceof GatewayError ? pairs : pairs.flat();
      built.set(identity, headers);
    }
    return headers;
  };
}

/** Seed 003's context headers: the verified identity, sent upstream on routes with auth. */
export const contextHeaders: FilterFactory = {
  name: 'context_headers',
  build({ route, table }) {
    if (authRequirement(route) === undefined) return null;
    const headersFor = cachedBuilder(table.contextHeaders);
    // Auth runs first on this route and refuses requests without an identity.
    const addIdentityHeaders: RequestStep = (ex) => {
      const headers = headersFor(ex.identity as Identity);
      if (headers instanceof GatewayError) return headers;
      ex.identityHeaders = headers;
      return null;
    };
    return {
      descriptions: [],
      request: addIdentityHeaders,
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
