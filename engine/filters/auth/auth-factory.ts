import { authRequirement } from '../access-control-settings.js';
import type { RouteConfig } from '../../config/gateway-config.js';
import type { FilterFactory } from '../filter-factory.js';
import { createAuthenticate } from './authenticate.js';

/** `auth_required` / `auth`: the caller's JWT or API key, verified by the route's providers. */
export const auth: FilterFactory = {
  name: 'auth',
  build({ route, routeName, table }) {
    if (authRequirement(route) === undefined) return null;
    const accepted = route.auth ?? table.providers;
    const jwt = accepted.includes('jwt') ? table.jwt : null;
    const apiKey = accepted.includes('api_key') ? table.apiKey : null;
    const recorder = table.recorderFor(routeName);
    recorder?.expectAuthFailures();
    const logger = table.logger;
    const session = jwt !== null && jwt !== table.jwtWithoutSession ? ' session' : '';
    return {
      descriptions: [`auth ${accepted.join(',')}${session}${describeRequirements(route)}`],
      request: createAuthenticate({
        jwt,
        apiKey,
        credentials: table.credentialsFor(route, { jwt: jwt !== null, apiKey: apiKey !== null }),
        onRefused: (reason, ex) => {
          recorder?.authFailure(reason);
          logger.debug({ reason, route: routeName, request_id: ex.requestId }, 'auth refused');
        },
        onProviderError: (err, ex) =>
          logger.warn({ err, request_id: ex.requestId }, 'credential store unavailable'),
      }),
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};

/** The authorization requirements, listed with the auth step in `gatewayd routes`. */
function describeRequirements(rc: RouteConfig): string {
  const parts: string[] = [];
  if (rc.required_roles?.length) parts.push(`roles=${rc.required_roles.join('|')}`);
  if (rc.required_permissions?.length)
    parts.push(`permissions=${rc.required_permissions.join('+')}`);
  if (rc.required_tier !== undefined) parts.push(`tier>=${rc.required_tier}`);
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}
