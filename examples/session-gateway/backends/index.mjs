// @ts-check
// The session gateway example's services, and the secrets its config reads, made up for the run.
import { randomSecret } from '../../lib/demo-secrets.mjs';
import { startMessageBackend, startWeatherApi } from './services.mjs';

/** Users, sessions and registered routes live in the gateway process. */
export const needsRedis = false;

/** @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>} */
export async function start() {
  const backend = await startMessageBackend();
  const weather = await startWeatherApi();
  const adminPassword = randomSecret(12);
  const superuserPassword = randomSecret(12);
  return {
    env: {
      JWT_SECRET: randomSecret(),
      ADMIN_PASSWORD: adminPassword,
      SUPERUSER_PASSWORD: superuserPassword,
      BACKEND_URL: backend.url,
      EXTERNAL_API_URL: weather.url,
    },
    shell: { ADMIN_PASSWORD: adminPassword, EXTERNAL_API_URL: weather.url },
    backends: [
      ['message backend', backend.url],
      ['weather API (stand-in)', weather.url],
    ],
    close: async () => {
      await Promise.all([backend.close(), weather.close()]);
    },
  };
}
