import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { errorBody, GatewayError } from '../errors/gateway-error.js';
import { apiKeyDigest } from '../filters/auth/hash-api-key.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import { NO_VALUE } from '../observability/no-value.js';
import { normalizePath } from '../router/normalize-path.js';
import type { AdminContext } from './admin-context.js';
import { AdminRouter } from './admin-router.js';
import { apiKeysResource } from './api-keys-resource.js';
import { cacheResource } from './cache-resource.js';
import { configResource } from './config-resource.js';
import { createDashboardAssets } from './dashboard-assets.js';
import { healthResource } from './health-resource.js';
import { routesResource } from './routes-resource.js';
import { tlsResource } from './tls-resource.js';
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
  tlsResource,
  cacheResource,
]);

/** What one admin request turned out to be, for its log line and its count. */
interface AdminOutcomeNotes {
  /** The endpoint's path pattern; null when none matched. */
  endpoint: string | null;
  /** Why the token was refused; null when it was not. */
  refusal: string | null;
}

/** Admin paths are short; a longer one is logged cut to this length. */
const LOGGED_PATH_CHARS = 256;

/** The dashboard's page and files, logged and counted as one endpoint. */
const DASHBOARD_ENDPOINT = '/admin/dashboard';

/**
 * The admin API's request handler (its own port, never the data plane's). Every request needs
 * `Authorization: Bearer <admin token>`, compared as a SHA-256 digest in constant time; answers
 * are JSON, errors in the gateway's one error shape. The endpoints live in the *-resource files.
 * Every request, refused ones included, leaves a log line (never a token) and is counted.
 */
export function createAdminApi(
  ctx: AdminContext,
  logger: Logger,
  metrics: GatewayMetrics | null,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const serveDashboard = createDashboardAssets();
  const counter = metrics?.admin(router.endpoints) ?? null;
  return async function handleAdminRequest(req, res) {
    const startedAt = performance.now();
    const requestId = randomUUID();
    const notes: AdminOutcomeNotes = { endpoint: null, refusal: null };
    const status = await answer(req, res, requestId, notes);
    const method = req.method ?? 'GET';
    counter?.record(method, notes.endpoint, status);
    const fields = {
      request_id: requestId,
      method,
      path: ((req.url ?? '/').split('?')[0] as string).slice(0, LOGGED_PATH_CHARS),
      endpoint: notes.endpoint ?? NO_VALUE,
      status,
      duration_ms: Math.round((performance.now() - startedAt) * 1000) / 1000,
      client: req.socket.remoteAddress,
    };
    if (notes.refusal === null) logger.info(fields, 'admin request');
    else logger.warn({ ...fields, reason: notes.refusal }, 'admin request refused');
  };

  /** Answers one request; resolves with the status sent. */
  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    notes: AdminOutcomeNotes,
  ): Promise<number> {
    try {
      const path = normalizePath((req.url ?? '/').split('?')[0] as string);
      const match = typeof path === 'string' ? router.match(req.method ?? 'GET', path) : null;
      if (match?.found === true) notes.endpoint = match.endpoint;
      const admin = ctx.table().admin;
      if (admin === null) {
        throw new GatewayError('ROUTE_NOT_FOUND', 'the admin API is off in the config in force');
      }
      // The dashboard's page asks for the token itself (docs/guides/admin-dashboard.md).
      if (serveDashboard(req, res)) {
        notes.endpoint = DASHBOARD_ENDPOINT;
        return 200;
      }
      const token = bearerToken(req.headers.authorization);
      if (!authorized(token, admin.tokenDigest)) {
        notes.refusal = token === '' ? 'no bearer token' : 'wrong token';
        throw new GatewayError('UNAUTHORIZED', 'the admin API needs its bearer token', [
          ['www-authenticate', 'Bearer realm="gatewayd-admin"'],
        ]);
      }
      if (typeof path !== 'string' || match === null) {
        throw new GatewayError('BAD_REQUEST', 'the request path is malformed or ambiguous');
      }
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
        return answer.status;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-request-id': requestId,
      });
      res.end(JSON.stringify(answer.body));
      return answer.status;
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
        return error.status;
      }
      res.writeHead(error.status, {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...Object.fromEntries(error.headers),
      });
      res.end(errorBody(error, requestId));
      return error.status;
    }
  }
}

/** The token of `Authorization: Bearer <token>`; empty when there is none. */
function bearerToken(header: string | undefined): string {
  return /^Bearer[ \t]+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
}

function authorized(token: string, expected: Buffer): boolean {
  // Digests have one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(apiKeyDigest(token), expected);
}
