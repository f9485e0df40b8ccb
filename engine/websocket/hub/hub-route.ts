import type { WebSocketRouteMetrics } from '../../observability/metrics/websocket-metrics.js';
import type { ClientAddress } from '../../data-plane/client-address.js';
import type { RouteHandler } from '../../data-plane/compiled-route.js';
import type { Exchange } from '../../data-plane/exchange.js';
import { sendError } from '../../data-plane/respond.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { AuthFailure } from '../../filters/auth/auth-failure.js';
import type { Identity } from '../../data-plane/identity.js';
import type { Logger } from '../../observability/logger.js';
import { acceptUpgrade } from '../accept-upgrade.js';
import type { ChannelHub } from './channel-hub.js';
import type { HubMessageFormat } from './hub-message-format.js';
import type { HubSettings } from './hub-settings.js';
import { RefusedUpgradeSession } from './refused-upgrade-session.js';

const FULL = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'the WebSocket hub has no room for another connection',
);
const MISSING = new AuthFailure('missing_credentials', 'the WebSocket hub requires authentication');
const UNCHECKABLE = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'credentials cannot be checked right now',
);

/**
 * The terminal step of a `handler: websocket` route (requireUpgrade has answered plain requests
 * with 426): refuses upgrades beyond max_connections (503), checks the credential unless the
 * route's guards already did (refusing with 401, or in band), and completes the handshake with a
 * hub connection.
 */
export function createHubRoute(
  hub: ChannelHub,
  configKey: string,
  settings: HubSettings,
  clientAddress: ClientAddress,
  logger: Logger,
  /** The route's WebSocket series; null when metrics are off. */
  metrics: WebSocketRouteMetrics | null,
  /** The route's `message_format`: what its connections speak. */
  format: HubMessageFormat,
): RouteHandler {
  const { server, authenticate } = settings;
  const anonymousOk = !server.requireAuth || server.allowAnonymous;

  /** A refused credential: 401, or with refused_upgrade: close an error message and 4401. */
  function refuse(ex: Exchange, failure: AuthFailure): void {
    if (!server.refuseInBand) {
      sendError(ex, failure.toGatewayError());
      return;
    }
    const code = failure.reason === 'expired' ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED';
    const message = format.error(undefined, code, failure.message);
    acceptUpgrade(ex, new RefusedUpgradeSession(configKey, message, code), '');
  }

  function accept(ex: Exchange, identity: Identity | null): void {
    if (hub.connectionCount >= server.maxConnections) {
      sendError(ex, FULL);
      return;
    }
    const claims = identity?.claims;
    const tenant = claims?.tenant_id ?? claims?.tenant ?? ex.header('x-tenant-id') ?? null;
    const conn = hub.createConnection({
      configKey,
      identity,
      origin: ex.header('origin') ?? null,
      remoteAddress: clientAddress(ex),
      tenant: typeof tenant === 'string' ? tenant : null,
      metrics,
      format,
    });
    acceptUpgrade(ex, conn, '');
  }

  return function hubUpgrade(ex) {
    if (hub.connectionCount >= server.maxConnections) {
      sendError(ex, FULL);
      return;
    }
    if (ex.identity !== null) {
      accept(ex, ex.identity);
      return;
    }
    authenticate((name) => ex.header(name), ex.query).then(
      (identity) => {
        if (identity === null && !anonymousOk) refuse(ex, MISSING);
        else accept(ex, identity);
      },
      (err: unknown) => {
        if (err instanceof AuthFailure) {
          logger.debug({ reason: err.reason, request_id: ex.requestId }, 'hub upgrade refused');
          refuse(ex, err);
        } else {
          logger.warn({ err, request_id: ex.requestId }, 'credential store unavailable');
          sendError(ex, UNCHECKABLE);
        }
      },
    );
  };
}
