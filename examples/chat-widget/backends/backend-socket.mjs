// @ts-check
// The chat widget's backend socket server, over plain WebSocket: frames are {event, data} JSON.
// It verifies the chat JWT (?token=), keeps visitors in the Redis hash online_users:{tenantId},
// pushes user_online / user_offline to the tenant's admins, answers get_online_users, and queues
// visitors' messages on the Redis stream meta:webhook_jobs.
import { randomUUID } from 'node:crypto';
import WebSocket, { WebSocketServer } from 'ws';
import { verifyChatToken } from './chat-token.mjs';

/**
 * @typedef {object} Connection
 * @property {WebSocket} ws
 * @property {import('./chat-token.mjs').ChatClaims} claims
 * @property {string} sessionId
 * @property {{ sessionId: string, connectedAt: string, domain: string, origin: string, url: string }} record
 *   What is kept in Redis for a visitor.
 *
 * @typedef {object} BackendSocket
 * @property {string} url
 * @property {import('node:http').IncomingMessage[]} handshakes Every upgrade as it arrived here.
 * @property {() => Promise<void>} close
 */

/**
 * @param {import('ioredis').Redis} redis
 * @param {Uint8Array} secret Verifies the chat JWTs.
 * @returns {Promise<BackendSocket>}
 */
export async function startBackendSocket(redis, secret) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  /** @type {import('node:http').IncomingMessage[]} */
  const handshakes = [];
  /** @type {Set<Connection>} */
  const connections = new Set();

  /**
   * @param {string} tenantId
   * @param {string} event
   * @param {unknown} data
   */
  const toAdmins = (tenantId, event, data) => {
    for (const conn of connections) {
      if (conn.claims.role === 'admin' && conn.claims.tenantId === tenantId) {
        emit(conn.ws, event, data);
      }
    }
  };

  /**
   * @param {WebSocket} ws
   * @param {import('node:http').IncomingMessage} req
   */
  const accept = async (ws, req) => {
    const query = new URL(req.url ?? '/', 'http://backend').searchParams;
    const claims = await verifyChatToken(secret, query.get('token') ?? '');
    if (!claims) return ws.close(1008, 'Invalid JWT token');
    const sessionId = randomUUID();
    /** @type {Connection} */
    const conn = {
      ws,
      claims,
      sessionId,
      record: {
        sessionId,
        connectedAt: new Date().toISOString(),
        domain: query.get('domain') ?? '',
        origin: req.headers.origin ?? '',
        url: query.get('url') ?? '',
      },
    };
    ws.on('message', (data) => void onMessage(conn, String(data)));
    ws.on('close', () => void leave(conn));
    connections.add(conn);
    if (claims.role !== 'admin') {
      await redis.hset(
        `online_users:${claims.tenantId}`,
        claims.userId,
        JSON.stringify(conn.record),
      );
      toAdmins(claims.tenantId, 'user_online', { userId: claims.userId, ...conn.record });
    }
    // As socket.io's own `connect` event: the client may send from now on.
    emit(ws, 'connect', { sessionId });
  };

  /** @param {Connection} conn */
  const leave = async (conn) => {
    connections.delete(conn);
    const { role, tenantId, userId } = conn.claims;
    if (role === 'admin') return;
    await redis.hdel(`online_users:${tenantId}`, userId);
    toAdmins(tenantId, 'user_offline', { userId });
  };

  /**
   * @param {Connection} conn
   * @param {string} text
   */
  const onMessage = async (conn, text) => {
    /** @type {{ event?: unknown, data?: Record<string, unknown> }} */
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return emit(conn.ws, 'error', { message: 'frames are JSON {event, data}' });
    }
    const { tenantId, userId, role } = conn.claims;
    if (frame.event === 'get_online_users') {
      if (role !== 'admin') return emit(conn.ws, 'error', { message: 'admin only' });
      const all = await redis.hgetall(`online_users:${tenantId}`);
      const users = Object.entries(all).map(([id, data]) => ({ userId: id, ...JSON.parse(data) }));
      return emit(conn.ws, 'online_users_list', { users });
    }
    const messageText = frame.data?.text;
    if (frame.event === 'message' && typeof messageText === 'string') {
      const messageId = randomUUID();
      const timestamp = new Date().toISOString();
      const { sessionId } = conn;
      const payload = { messageId, sessionId, userId, tenantId, text: messageText, timestamp };
      await redis.xadd(
        'meta:webhook_jobs',
        '*',
        ...['job_type', 'webchat_webhook', 'source', 'webhook', 'webhook_type', 'message'],
        ...['payload', JSON.stringify({ ...payload, senderType: 'user' }), 'timestamp', timestamp],
      );
      // The conversation room of a session is the connection that opened it.
      const message = { id: messageId, text: messageText, sender: 'user', timestamp, sessionId };
      return emit(conn.ws, 'meta_message_created', { message: { ...message, userId, tenantId } });
    }
    emit(conn.ws, 'error', { message: 'unknown event' });
  };

  server.on('connection', (ws, req) => {
    handshakes.push(req);
    void accept(ws, req);
  });
  return {
    url: `http://127.0.0.1:${address.port}`,
    handshakes,
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/**
 * @param {WebSocket} ws
 * @param {string} event
 * @param {unknown} data
 */
function emit(ws, event, data) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event, data }));
}
