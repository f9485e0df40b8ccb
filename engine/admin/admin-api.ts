import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { errorBody, GatewayError } from '../errors/gateway-error.js';
import { apiKeyDigest } from '../filters/auth/hash-api-key.js';
import type { Logger } from '../observability/logger.js';
import { normalizePath } from '../router/normalize-path.js';
import type { AdminContext } from './admin-context.js';
import { AdminRouter } from './admin-router.js';
import { apiKeysResource } from './api-keys-resource.js';
import { configResource } from './config-resource.js';
import { healthResource } from './health-resource.js';
import { routesResource } from './routes-resource.js';
import { upstreamsResource } from './upstreams-resource.js';
import { usageResource } from './usage-resource.js';
import { websocketResource } from './websocket-admin.js';

const router = new AdminRouter([
  routesResource,
  upstreamsResource,
  configResource,
  usageResource,
  healthResource,
  apiKeysResource,
  websocketResource,
]);

/**
 * The admin API's request handler (its own port, never the data plane's). Every request needs
 * `Authorization: Bearer <admin token>`, compared as a SHA-256 digest in constant time; answers
 * are JSON, errors in the gateway's one error shape. The endpoints live in the *-resource files.
 */
export function createAdminApi(
  ctx: AdminContext,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async function handleAdminRequest(req, res) {
    const requestId = randomUUID();
    try {
      const admin = ctx.table().admin;
      if (admin === null) {
        throw new GatewayError('ROUTE_NOT_FOUND', 'the admin API is off in the config in force');
      }
      if (!authorized(req.headers.authorization, admin.tokenDigest)) {
        throw new GatewayError('UNAUTHORIZED', 'the admin API needs its bearer token', [
          ['www-authenticate', 'Bearer realm="gatewayd-admin"'],
        ]);
      }
      const path = normalizePath((req.url ?? '/').split('?')[0] as string);
      if (typeof path !== 'string')
        throw new GatewayError('BAD_REQUEST', 'the request path is malformed or ambiguous');
      const match = router.match(req.method ?? 'GET', path);
      if (!match.found) {
        if (match.allowed.size === 0) {
          throw new GatewayError('ROUTE_NOT_FOUND', `the admin API has no ${path}`);
        }
        const allow = [...match.allowed].sort().join(', ');
        throw new GatewayError('METHOD_NOT_ALLOWED', `allowed here: ${allow}`, [['allow', allow]]);
      }
      const answer = await match.handler({ req, ctx, params: match.params });
      if (answer.body === undefined) {
        res.writeHead(answer.status, { 'x-request-id': requestId }).end();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-request-id': requestId,
      });
      res.end(JSON.stringify(answer.body));
    } catch (err) {
      if (!(err instanceof GatewayError)) {
        logger.error({ err, request_id: requestId, path: req.url }, 'admin request failed');
      }
      const error =
        err instanceof GatewayError
          ? err
          : new GatewayError('INTERNAL_ERROR', 'the admin request failed (see the log)');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(error.status, {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...Object.fromEntries(error.headers),
      });
      res.end(errorBody(error, requestId));
    }
  };
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const token = /^Bearer[ \t]+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  // Digests have one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(apiKeyDigest(token), expected);
}
