// @ts-check
// A stand-in for core-manager, the one backend of the core-manager example. Every HTTP request is
// answered with what it saw (method, path, the user context headers), except three: a template
// that does not exist answers core-manager's own 404, one execution its own 429, and one
// execution is slow. The WebSocket at /api/v1/ws answers commands: a `response` (subscribe then
// also pushes an `event`), and an `error` for a command it does not know.
import WebSocket, { WebSocketServer } from 'ws';
import { startJsonService } from '../../lib/json-service.mjs';

/**
 * @typedef {object} SeenSocket One WebSocket connection: its handshake headers and messages.
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {unknown[]} received
 *
 * @typedef {{ type?: unknown, event?: unknown, id?: unknown, data?: unknown }} Command
 */

/** How long the slow execution takes: longer than any timeout the example gives the gateway. */
const SLOW_MS = 5000;
const TIMESTAMP = '2024-07-17T14:30:00Z';

export async function startCoreManager() {
  const service = await startJsonService((req) => {
    if (req.path === '/api/v1/templates/missing') {
      return { status: 404, body: { detail: 'Template not found', template_id: 'missing' } };
    }
    if (req.path === '/api/v1/personas/instances/busy/execute') {
      // core-manager's own rate limit, which the gateway passes on.
      return {
        status: 429,
        body: { detail: 'Too many executions', limit: 10 },
        headers: {
          'retry-after': '30',
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '1721226600',
        },
      };
    }
    const answer = {
      status: req.method === 'POST' ? 201 : 200,
      body: {
        service: 'core-manager',
        method: req.method,
        path: req.path,
        user_id: req.headers['x-user-id'] ?? null,
        role: req.headers['x-user-role'] ?? null,
      },
    };
    if (req.path !== '/api/v1/personas/instances/slow/execute') return answer;
    return new Promise((resolve) => setTimeout(() => resolve(answer), SLOW_MS).unref());
  });

  /** @type {SeenSocket[]} */
  const sockets = [];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  service.server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== '/api/v1/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      /** @type {SeenSocket} */
      const record = { headers: req.headers, received: [] };
      sockets.push(record);
      ws.on('error', () => {});
      ws.on('message', (data) => {
        /** @type {Command} */
        let message;
        try {
          message = JSON.parse(data.toString());
        } catch {
          message = {};
        }
        record.received.push(message);
        reply(ws, message, req.headers['x-user-id']);
      });
    });
  });
  return {
    ...service,
    sockets,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await service.close();
    },
  };
}

/**
 * core-manager's side of the socket: commands subscribe, unsubscribe and ping.
 * @param {WebSocket} ws
 * @param {Command} message
 * @param {string | string[] | undefined} userId
 */
function reply(ws, message, userId) {
  /** @param {unknown} value */
  const send = (value) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(value));
  };
  const command = typeof message.event === 'string' ? message.event : String(message.type);
  if (message.type !== 'command' || !['subscribe', 'unsubscribe', 'ping'].includes(command)) {
    send({
      type: 'error',
      error: 'Invalid command',
      data: { details: `Command '${command}' not recognized`, command },
    });
    return;
  }
  const data = command === 'ping' ? { pong: true } : message.data;
  send({ type: 'response', event: command, data, id: message.id, timestamp: TIMESTAMP });
  if (command === 'subscribe') {
    send({
      type: 'event',
      event: 'instance.status.changed',
      data: {
        instance_id: 'inst_123',
        previous_status: 'running',
        new_status: 'completed',
        reason: 'Execution completed successfully',
        user_id: userId,
      },
      timestamp: TIMESTAMP,
    });
  }
}
