// @ts-check
// The session gateway example's two services: the backend that answers the WebSocket message
// types the gateway routes to it, and a stand-in for the external weather API that admins
// register routes to at runtime.
import { startJsonService } from '../../lib/json-service.mjs';

/**
 * @typedef {(body: Record<string, unknown>, req: import('../../lib/json-service.mjs').SeenRequest) => unknown} MessageHandler
 */

/** @type {Record<string, MessageHandler>} */
const MESSAGE_TYPES = {
  '/ws/update-api-key': (body, req) => ({ api_key: body.key, user_id: req.headers['x-user-id'] }),
  '/ws/chat-message': (body, req) => ({
    delivered: true,
    content: body.content,
    from: req.headers['x-user-id'],
  }),
  '/ws/admin-command': (body) => ({ command: body.command, result: { total_users: 3 } }),
};

/** Each routed message type is POSTed here with the user context headers; answers JSON. */
export function startMessageBackend() {
  return startJsonService((req) => {
    const handler = MESSAGE_TYPES[req.path];
    if (handler === undefined) return { status: 404 };
    const body = /** @type {Record<string, unknown>} */ (req.body ?? {});
    return { status: 200, body: handler(body, req) };
  });
}

/** The external API: answers what it was asked (path, query, the location asked for). */
export function startWeatherApi() {
  return startJsonService((req) => ({
    status: 200,
    body: {
      path: req.path,
      query: Object.fromEntries(req.query),
      location: { name: req.query.get('q') },
    },
  }));
}
