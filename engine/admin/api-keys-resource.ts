import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyInfo, ApiKeyStore, NewApiKey } from '../filters/auth/api-key-store.js';
import { isoTime, readJson, type AdminRequest, type AdminResource } from './admin-http.js';

/**
 * Managed API keys (auth.api_keys.store):
 *
 *   POST   /admin/api-keys        {name, tier?, roles?, expires_at?}  → 201, the key (only now)
 *   GET    /admin/api-keys                                            → 200, never keys or hashes
 *   DELETE /admin/api-keys/{id}                                       → 204, or 404
 */
export const apiKeysResource: AdminResource = [
  ['GET', '/admin/api-keys', listKeys],
  ['POST', '/admin/api-keys', createKey],
  ['DELETE', '/admin/api-keys/{id}', revokeKey],
];

async function listKeys({ ctx }: AdminRequest) {
  const keys = await storeCall(() => storeOf(ctx.table().admin?.apiKeys).list());
  return { status: 200, body: { keys: keys.map(publicView) } };
}

async function createKey({ ctx, req }: AdminRequest) {
  const store = storeOf(ctx.table().admin?.apiKeys);
  const input = parseNewKey(await readJson(req));
  const created = await storeCall(() => store.create(input));
  return { status: 201, body: { ...publicView(created), key: created.key } };
}

async function revokeKey({ ctx, params }: AdminRequest) {
  const id = params[0] as string;
  const store = storeOf(ctx.table().admin?.apiKeys);
  if (!(await storeCall(() => store.revoke(id)))) {
    throw new GatewayError('ROUTE_NOT_FOUND', `no API key has id "${id}"`);
  }
  return { status: 204 };
}

function storeOf(store: ApiKeyStore | null | undefined): ApiKeyStore {
  if (store === null || store === undefined) {
    throw new GatewayError(
      'ROUTE_NOT_FOUND',
      'managed API keys are not enabled: set auth.api_keys.store to memory or redis',
    );
  }
  return store;
}

/** A store that throws (Redis away) is unavailable; its RangeErrors are bad input. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (err instanceof RangeError) throw new GatewayError('BAD_REQUEST', err.message);
    throw new GatewayError('SERVICE_UNAVAILABLE', 'the API key store cannot be reached');
  }
}

function publicView(info: ApiKeyInfo): Record<string, unknown> {
  return {
    id: info.id,
    name: info.name,
    tier: info.tier ?? null,
    roles: info.roles,
    owner: info.owner ?? null,
    created_at: isoTime(info.createdAt),
    expires_at: isoTime(info.expiresAt),
    revoked_at: isoTime(info.revokedAt),
  };
}

function parseNewKey(body: unknown): NewApiKey {
  if (typeof body !== 'object' || body === null) throw bad('expected a JSON object');
  const { name, tier, roles, expires_at: expires } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '') throw bad('name: a string');
  if (tier !== undefined && typeof tier !== 'string') throw bad('tier: a string');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string')))
    throw bad('roles: a list of strings');
  let expiresAt: number | undefined;
  if (expires !== undefined) {
    expiresAt = typeof expires === 'string' ? Date.parse(expires) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw bad('expires_at: an ISO 8601 date-time');
  }
  return { name, tier, roles: roles as string[] | undefined, expiresAt };
}

function bad(message: string): GatewayError {
  return new GatewayError('BAD_REQUEST', message);
}
