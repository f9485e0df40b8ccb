// @ts-check
// The chat widget's backend API: issues anonymous chat JWTs and lists a tenant's online users
// from Redis. It trusts the gateway in front of it and checks no API key of its own.
import { randomUUID } from 'node:crypto';
import { startJsonService } from '../../lib/json-service.mjs';
import { signChatToken, TOKEN_TTL_SECONDS } from './chat-token.mjs';

/**
 * POST /api/chat/anonymous-token {tenantId} → {token, expiresIn};
 * GET /api/chat/online-users?tenantId= (or X-Tenant-ID) → {users: [...]}.
 * @param {import('ioredis').Redis} redis
 * @param {Uint8Array} secret Signs the chat JWTs (the backend socket server verifies them).
 */
export function startBackendApi(redis, secret) {
  return startJsonService(async (req) => {
    if (req.method === 'POST' && req.path === '/api/chat/anonymous-token') {
      const body = /** @type {Record<string, unknown>} */ (req.body ?? {});
      const tenantId = typeof body.tenantId === 'string' ? body.tenantId : '';
      if (!tenantId) return { status: 400, body: { error: 'tenantId is required' } };
      const userId = `anon-${randomUUID()}`;
      const token = await signChatToken(secret, { userId, tenantId, role: 'anonymous' });
      return { status: 200, body: { token, expiresIn: TOKEN_TTL_SECONDS } };
    }
    if (req.method === 'GET' && req.path === '/api/chat/online-users') {
      const header = req.headers['x-tenant-id'];
      const tenantId = req.query.get('tenantId') || (typeof header === 'string' ? header : '');
      if (!tenantId) return { status: 400, body: { error: 'tenantId is required' } };
      const all = await redis.hgetall(`online_users:${tenantId}`);
      const users = Object.entries(all).map(([userId, data]) => ({ userId, ...JSON.parse(data) }));
      return { status: 200, body: { users } };
    }
    return { status: 404, body: { error: 'Not found' } };
  });
}
