import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { errorBody, GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyInfo, ApiKeyStore, NewApiKey } from '../filters/auth/api-key-store.js';
import { apiKeyDigest } from '../filters/auth/hash-api-key.js';
import { handleWebSocketAdmin, type WebSocketAdminState } from './websocket-admin.js';

/** What the admin API works on: read from the table in force at each request. */
export interface AdminState {
  /** SHA-256 digest of the admin token. */
  tokenDigest: Buffer;
  /** Managed API keys; null when auth.api_keys.store is not set. */
  apiKeys: ApiKeyStore | null;
  /** The hub's operations (websocket-admin.ts); null without a hub. */
  websocket?: WebSocketAdminState | null;
}

/** Admin requests are small JSON documents; anything bigger is refused unread. */
const MAX_BODY_BYTES = 16 * 1024;
const KEY_PATH = /^\/admin\/api-keys\/([A-Za-z0-9-]{1,64})$/;

/**
 * The admin API (its own port, never the data plane's): managed API keys. Every request needs
 * `Authorization: Bearer <admin token>`, compared as a SHA-256 digest in constant time.
 *
 *   POST   /admin/api-keys        {name, tier?, roles?, expires_at?}  → 201, the key (only now)
 *   GET    /admin/api-keys                                            → 200, never keys or hashes
 *   DELETE /admin/api-keys/{id}                                       → 204, or 404
 */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  state: AdminState,
): Promise<void> {
  const requestId = randomUUID();
  try {
    if (!authorized(req.headers.authorization, state.tokenDigest)) {
      throw new GatewayError('UNAUTHORIZED', 'the admin API needs its bearer token', [
        ['www-authenticate', 'Bearer realm="gatewayd-admin"'],
      ]);
    }
    const path = (req.url ?? '/').split('?')[0] as string;
    const store = state.apiKeys;
    if (path === '/admin/api-keys') {
      if (store === null) throw notEnabled();
      if (req.method === 'GET') {
        send(res, 200, { keys: (await store.list()).map(publicView) }, requestId);
      } else if (req.method === 'POST') {
        const created = await store.create(parseNewKey(await readJson(req)));
        send(res, 201, { ...publicView(created), key: created.key }, requestId);
      } else throw notAllowed('GET, POST');
      return;
    }
    const byId = KEY_PATH.exec(path);
    if (byId !== null) {
      if (store === null) throw notEnabled();
      if (req.method !== 'DELETE') throw notAllowed('DELETE');
      if (!(await store.revoke(byId[1] as string))) {
        throw new GatewayError('ROUTE_NOT_FOUND', `no API key has id "${byId[1]}"`);
      }
      res.writeHead(204, { 'x-request-id': requestId }).end();
      return;
    }
    if (await handleWebSocketAdmin(req, res, path, state.websocket ?? null)) return;
    throw new GatewayError('ROUTE_NOT_FOUND', `the admin API has no ${path}`);
  } catch (err) {
    const error =
      err instanceof GatewayError
        ? err
        : err instanceof RangeError
          ? new GatewayError('BAD_REQUEST', err.message)
          : new GatewayError('SERVICE_UNAVAILABLE', 'the API key store cannot be reached');
    res.writeHead(error.status, {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...Object.fromEntries(error.headers),
    });
    res.end(errorBody(error, requestId));
  }
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const token = /^Bearer[ \t]+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  // Digests have one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(apiKeyDigest(token), expected);
}

function publicView(info: ApiKeyInfo): Record<string, unknown> {
  return {
    id: info.id,
    name: info.name,
    tier: info.tier ?? null,
    roles: info.roles,
    created_at: new Date(info.createdAt).toISOString(),
    expires_at: info.expiresAt === undefined ? null : new Date(info.expiresAt).toISOString(),
    revoked_at: info.revokedAt === undefined ? null : new Date(info.revokedAt).toISOString(),
  };
}

function parseNewKey(body: unknown): NewApiKey {
  if (typeof body !== 'object' || body === null) throw new RangeError('expected a JSON object');
  const { name, tier, roles, expires_at: expires } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '') throw new RangeError('name: a string');
  if (tier !== undefined && typeof tier !== 'string') throw new RangeError('tier: a string');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string')))
    throw new RangeError('roles: a list of strings');
  let expiresAt: number | undefined;
  if (expires !== undefined) {
    expiresAt = typeof expires === 'string' ? Date.parse(expires) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw new RangeError('expires_at: an ISO 8601 date-time');
  }
  return { name, tier, roles: roles as string[] | undefined, expiresAt };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `admin requests are at most ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GatewayError('BAD_REQUEST', 'the body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId });
  res.end(text);
}

function notEnabled(): GatewayError {
  return new GatewayError(
    'ROUTE_NOT_FOUND',
    'managed API keys are not enabled: set auth.api_keys.store to memory or redis',
  );
}

function notAllowed(allow: string): GatewayError {
  return new GatewayError('METHOD_NOT_ALLOWED', 'method not allowed here', [['allow', allow]]);
}
