// @ts-check
// The microservices example's backends, as the example runner starts them.
import { randomSecret } from '../../lib/demo-secrets.mjs';
import { closeAll } from '../../lib/example-run.mjs';
import { startAuthService } from './auth-service.mjs';
import { startContextService } from './context-service.mjs';
import { startNotificationService } from './notification-service.mjs';

/** Rate limits, hub history and the Redis event ingress. */
export const needsRedis = true;

/**
 * @param {import('../../lib/example-run.mjs').ExampleContext} context
 * @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>}
 */
export async function start(context) {
  const jwtSecret = randomSecret();
  const webhookToken = randomSecret(24);
  const adminToken = randomSecret(24);
  const auth = await startAuthService(jwtSecret);
  const users = await startContextService('user-service');
  const metrics = await startContextService('metrics-service');
  const health = await startContextService('health-service');
  const notifications = await startNotificationService(context.gatewayUrl, webhookToken);
  const redis = /** @type {string} */ (context.redisUrl);
  return {
    env: {
      JWT_SECRET: jwtSecret,
      WEBHOOK_AUTH_TOKEN: webhookToken,
      ADMIN_TOKEN: adminToken,
      REDIS_URL: redis,
      REDIS_PUBSUB_URL: `${redis}/1`,
      AUTH_SERVICE_URL: auth.url,
      USER_SERVICE_URL: users.url,
      METRICS_SERVICE_URL: metrics.url,
      HEALTH_SERVICE_URL: health.url,
    },
    shell: {
      ADMIN_TOKEN: adminToken,
      WEBHOOK_AUTH_TOKEN: webhookToken,
      NOTIFICATION_SERVICE_URL: notifications.url,
    },
    backends: [
      ['auth-service', auth.url],
      ['user-service', users.url],
      ['metrics-service', metrics.url],
      ['health-service', health.url],
      ['notification-service', notifications.url],
    ],
    close: () => closeAll([auth, users, metrics, health, notifications]),
  };
}
