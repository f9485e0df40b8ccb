// @ts-check
// The notification service behind the microservices gateway: when a user is created it pushes
// events to WebSocket clients through the gateway's webhook, with the webhook's bearer token.
import { startJsonService } from '../../lib/json-service.mjs';

/**
 * POST /users {user_id} sends a welcome notification to that user (channel notifications,
 * user specific) and a user_created event to the admin channel, and answers with the gateway's
 * two webhook answers.
 * @param {() => string} gatewayUrl Where the gateway listens (known once it has started).
 * @param {string} webhookToken The gateway's websocket.integration.webhook.auth_token.
 * @param {import('../../lib/json-service.mjs').ListenOptions} [listen]
 */
export function startNotificationService(gatewayUrl, webhookToken, listen = {}) {
  /** @param {unknown} event */
  const notify = async (event) => {
    const res = await fetch(`${gatewayUrl()}/webhook/websocket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    return { status: res.status, body: await res.json() };
  };
  return startJsonService(async (req) => {
    const body = /** @type {Record<string, unknown>} */ (req.body ?? {});
    if (req.method !== 'POST' || req.path !== '/users' || typeof body.user_id !== 'string') {
      return { status: 404, body: { error: 'not found' } };
    }
    const timestamp = new Date().toISOString();
    const welcome = await notify({
      type: 'user_notification',
      target_user: body.user_id,
      channel: 'notifications',
      message: {
        type: 'notification',
        title: 'Welcome!',
        body: 'Your account has been created successfully.',
        timestamp,
      },
    });
    const admin = await notify({
      type: 'channel_broadcast',
      channel: 'admin',
      message: { type: 'user_created', user_id: body.user_id, timestamp },
    });
    return { status: 201, body: { welcome, admin } };
  }, listen);
}
