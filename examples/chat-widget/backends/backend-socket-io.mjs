// @ts-check
// The chat widget's backend socket server for widgets built on socket.io-client. Several of
// these run side by side behind the gateway, which keeps each engine.io session on the one that
// opened it. It verifies the chat JWT the widget sends in socket.io's `auth` payload, puts each
// connection in its conversation room and answers a visitor's `message` there.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { verifyChatToken } from './chat-token.mjs';

/**
 * @typedef {object} BackendSocketIo
 * @property {string} url
 * @property {string} name Told to every client on connect, so one can see where it landed.
 * @property {() => Promise<void>} close
 */

/**
 * @param {Uint8Array} secret Verifies the chat JWTs.
 * @param {string} name
 * @returns {Promise<BackendSocketIo>}
 */
export async function startBackendSocketIo(secret, name) {
  const http = createServer();
  const io = new Server(http);
  io.use((socket, next) => {
    const token =
      typeof socket.handshake.auth.token === 'string' ? socket.handshake.auth.token : '';
    verifyChatToken(secret, token).then(
      (claims) => {
        if (!claims) return next(new Error('Invalid JWT token'));
        socket.data.claims = claims;
        next();
      },
      () => next(new Error('Invalid JWT token')),
    );
  });
  io.on('connection', (socket) => {
    /** @type {import('./chat-token.mjs').ChatClaims} */
    const { userId, tenantId } = socket.data.claims;
    const sessionId = socket.id;
    void socket.join(`conversation:${sessionId}`);
    socket.emit('connected', { sessionId, server: name });
    socket.on('message', (/** @type {{ text?: unknown }} */ data) => {
      const text = typeof data?.text === 'string' ? data.text : '';
      const message = {
        id: randomUUID(),
        text,
        sender: 'user',
        timestamp: new Date().toISOString(),
        sessionId,
        userId,
        tenantId,
      };
      io.to(`conversation:${sessionId}`).emit('meta_message_created', { message });
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (http.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    name,
    close: () => new Promise((resolve) => void io.close(() => resolve(undefined))),
  };
}
