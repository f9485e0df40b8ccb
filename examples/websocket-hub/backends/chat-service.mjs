// @ts-check
// The chat service behind the WebSocket hub example: the hub POSTs the client messages of types
// chat_message and admin_command here (the whole message, as JSON) with the sender's identity
// headers, and sends the answer back on the socket in an ack.
import { startJsonService } from '../../lib/json-service.mjs';

export function startChatService() {
  return startJsonService((req) => {
    const message = /** @type {{ data?: Record<string, unknown> }} */ (req.body ?? {});
    const data = message.data ?? {};
    const from = req.headers['x-user-id'] ?? null;
    if (req.method === 'POST' && req.path === '/messages') {
      return { status: 200, body: { stored: true, from, text: data.text ?? null } };
    }
    if (req.method === 'POST' && req.path === '/admin/commands') {
      return { status: 200, body: { command: data.command ?? null, done: true, by: from } };
    }
    return { status: 404, body: { error: 'not found' } };
  });
}
