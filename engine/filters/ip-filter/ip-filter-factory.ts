import type { RequestStep } from '../../data-plane/filter-chain.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FilterFactory } from '../filter-factory.js';
import { combineIpFilters, createIpFilter } from './ip-filter.js';

const ADDRESS_REFUSED = new GatewayError('FORBIDDEN', 'requests from this address are not allowed');

/** middleware.ip_filter and the route's own `ip_filter`: both must let the client through. */
export const ipFilter: FilterFactory = {
  name: 'ip_filter',
  build({ route, table }) {
    const allows = combineIpFilters(
      table.globalIpFilter,
      route.ip_filter
        ? createIpFilter({ allow: route.ip_filter.allow, deny: route.ip_filter.deny })
        : null,
    );
    if (allows === null) return null;
    const clientAddress = table.clientAddress;
    const checkAddress: RequestStep = (ex) => (allows(clientAddress(ex)) ? null : ADDRESS_REFUSED);
    return {
      descriptions: ['ip_filter'],
      request: checkAddress,
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
