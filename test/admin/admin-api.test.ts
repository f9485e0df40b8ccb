import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN, adminUrl } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { pick } from '../helpers/pick.js';

function config(upstream: string, store: 'memory' | 'redis', redisUrl?: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
${redisUrl ? `redis: { url: "${redisUrl}" }` : ''}
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  api_keys: { store: ${store} }
routes:
  - { path: /me/*, upstream: svc, auth_required: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function withKey(gw: GatewaydProcess, key: string) {
  const res = await request(gw.url('/me/x'), { headers: { 'x-api-key': key } });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown> };
}

t.test('admin API: create, list, use and revoke a managed key (memory store)', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url, 'memory'));
  t.equal((await admin(gw, 'GET', '/admin/api-keys', undefined, 'wrong')).status, 401);
  const noToken = await request(await adminUrl(gw, '/admin/api-keys'));
  t.equal(noToken.statusCode, 401);
  await noToken.body.dump();

  const created = await admin(gw, 'POST', '/admin/api-keys', {
    name: 'partner',
    tier: 'pro',
    roles: ['user'],
  });
  t.equal(created.status, 201);
  const { key, id } = created.json as { key: string; id: string };
  t.match(key, /^gwk_/);

  const listed = await admin(gw, 'GET', '/admin/api-keys');
  t.equal(listed.status, 200);
  const text = JSON.stringify(listed.json);
  t.notOk(text.includes(key), 'the list never shows the key');
  t.notOk(text.includes(hashApiKey(key).slice(7)), 'nor its hash');
  t.match(listed.json, { keys: [{ id, name: 'partner', tier: 'pro', revoked_at: null }] });

  const used = await withKey(gw, key);
  t.equal(used.status, 200);
  const identity = { 'x-user-tier': 'pro', 'x-auth-method': 'api_key' };
  t.same(pick((used.json as { headers?: unknown }).headers, identity), identity);

  t.equal((await admin(gw, 'DELETE', `/admin/api-keys/${id}`)).status, 204);
  const revoked = await withKey(gw, key);
  t.equal(revoked.status, 401);
  t.match(revoked.json, { error: 'UNAUTHORIZED', message: /revoked/ });
  t.equal((await admin(gw, 'DELETE', '/admin/api-keys/no-such-id')).status, 404);

  const expired = await admin(gw, 'POST', '/admin/api-keys', {
    name: 'old',
    expires_at: '2020-01-01T00:00:00Z',
  });
  t.equal((await withKey(gw, (expired.json as { key: string }).key)).status, 401, 'expired key');
  t.equal((await admin(gw, 'POST', '/admin/api-keys', { tier: 'x' })).status, 400, 'no name');
});

t.test('managed keys in Redis are shared by every instance', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const a = await startGatewayd(t, config(upstream.url, 'redis', redis.url));
  const b = await startGatewayd(t, config(upstream.url, 'redis', redis.url));
  const created = await admin(a, 'POST', '/admin/api-keys', { name: `shared-${Date.now()}` });
  const { key, id } = created.json as { key: string; id: string };
  t.equal((await withKey(b, key)).status, 200, 'created on A, accepted by B');
  t.equal((await admin(a, 'DELETE', `/admin/api-keys/${id}`)).status, 204);
  t.equal((await withKey(b, key)).status, 401, 'revoked on A, refused by B at once');
});
