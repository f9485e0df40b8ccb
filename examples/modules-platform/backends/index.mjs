// @ts-check
// The modules platform example's module services, and the passwords and API keys its config
// reads from the environment, made up for the run.
import { demoApiKey } from '../../lib/api-keys.mjs';
import { randomSecret } from '../../lib/demo-secrets.mjs';
import { startModuleBackend } from './module-backend.mjs';

/** Rate limit counters, users, sessions and users' own API keys. */
export const needsRedis = true;

/**
 * @param {import('../../lib/example-run.mjs').ExampleContext} context
 * @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>}
 */
export async function start(context) {
  const modules = await startModuleBackend();
  const passwords = {
    USER_PASSWORD: randomSecret(12),
    PRO_USER_PASSWORD: randomSecret(12),
    ENTERPRISE_USER_PASSWORD: randomSecret(12),
    ADMIN_PASSWORD: randomSecret(12),
  };
  const keys = {
    FREE: demoApiKey(),
    PRO: demoApiKey(),
    ENTERPRISE: demoApiKey(),
    ADMIN: demoApiKey(),
  };
  return {
    env: {
      JWT_SECRET: randomSecret(),
      ...passwords,
      FREE_API_KEY_HASH: keys.FREE.hash,
      PRO_API_KEY_HASH: keys.PRO.hash,
      ENTERPRISE_API_KEY_HASH: keys.ENTERPRISE.hash,
      ADMIN_API_KEY_HASH: keys.ADMIN.hash,
      MODULES_URL: modules.url,
      REDIS_URL: /** @type {string} */ (context.redisUrl),
    },
    shell: {
      ...passwords,
      KEY_FREE: keys.FREE.key,
      KEY_PRO: keys.PRO.key,
      KEY_ENTERPRISE: keys.ENTERPRISE.key,
      KEY_ADMIN: keys.ADMIN.key,
    },
    backends: [['module services', modules.url]],
    close: () => modules.close(),
  };
}
