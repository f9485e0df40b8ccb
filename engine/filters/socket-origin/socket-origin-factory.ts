import { servesUpgrades, socketOriginSettings } from './socket-origin-settings.js';
import type { RequestStep } from '../../data-plane/filter-chain.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FilterFactory } from '../filter-factory.js';
import { createSocketOriginCheck } from './socket-origin.js';

/**
 * The Origin policy of WebSocket routes, checked before any credential: an upgrade from an
 * origin the route does not allow gets 403 and never opens (docs/guides/websocket-proxy.md).
 */
export const socketOrigin: FilterFactory = {
  name: 'socket_origin',
  build({ route, table }) {
    if (!servesUpgrades(route)) return null;
    const settings = socketOriginSettings(route, table.config);
    const check = createSocketOriginCheck(settings.origins);
    const checkOrigin: RequestStep = (ex) => {
      const refused = check(ex.origin, ex.header('host'), ex.header('cookie') !== undefined);
      return refused === null ? null : new GatewayError('FORBIDDEN', refused);
    };
    const listed = settings.origins.length === 0 ? '' : ` ${settings.origins.join(' ')}`;
    return {
      descriptions: [`origins: own${listed} (${settings.source})`],
      request: checkOrigin,
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
