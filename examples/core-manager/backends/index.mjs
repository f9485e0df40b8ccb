// @ts-check
// The core-manager example's backend, and tokens as its auth service would issue them.
import { randomSecret, signDemoToken } from '../../lib/demo-secrets.mjs';
import { startCoreManager } from './core-manager.mjs';

export const needsRedis = false;

/** @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>} */
export async function start() {
  const secret = randomSecret();
  const core = await startCoreManager();
  const issuer = { issuer: 'auth-service' };
  const userToken = await signDemoToken(
    secret,
    {
      sub: 'user-alice',
      role: 'user',
      tier: 'pro',
      email: 'alice@example.com',
      client_id: 'client-acme',
      permissions: ['personas:read', 'personas:execute'],
    },
    issuer,
  );
  const adminToken = await signDemoToken(
    secret,
    {
      sub: 'admin-root',
      role: 'admin',
      tier: 'enterprise',
      email: 'root@example.com',
      client_id: 'client-acme',
      permissions: ['admin:*'],
    },
    issuer,
  );
  return {
    env: { JWT_SECRET: secret, CORE_MANAGER_URL: core.url },
    shell: { TOKEN: userToken, ADMIN_TOKEN: adminToken },
    backends: [['core-manager', core.url]],
    close: () => core.close(),
  };
}
