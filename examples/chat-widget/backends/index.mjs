// @ts-check
// The chat widget example's backends, as the example runner starts them.
import { Redis } from 'ioredis';
import { demoApiKey } from '../../lib/api-keys.mjs';
import { randomSecret } from '../../lib/demo-secrets.mjs';
import { startBackendApi } from './backend-api.mjs';
import { startBackendSocket } from './backend-socket.mjs';
import { startBackendSocketIo } from './backend-socket-io.mjs';
import { signChatToken } from './chat-token.mjs';

/** The backends keep presence in Redis. */
export const needsRedis = true;

/**
 * @param {import('../../lib/example-run.mjs').ExampleContext} context
 * @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>}
 */
export async function start(context) {
  const redis = new Redis(/** @type {string} */ (context.redisUrl), { maxRetriesPerRequest: 1 });
  // Signs and verifies the chat JWTs between the two backends; the gateway never holds it.
  const chatSecret = new TextEncoder().encode(randomSecret());
  const api = await startBackendApi(redis, chatSecret);
  const socket = await startBackendSocket(redis, chatSecret);
  const socketIo1 = await startBackendSocketIo(chatSecret, 'socket.io 1');
  const socketIo2 = await startBackendSocketIo(chatSecret, 'socket.io 2');
  const socketIo = [socketIo1, socketIo2];
  const widgetKey = demoApiKey();
  const adminChatToken = await signChatToken(chatSecret, {
    userId: 'admin-1',
    tenantId: 'tenant-123',
    role: 'admin',
  });
  return {
    env: {
      GATEWAY_API_KEY_HASH: widgetKey.hash,
      BACKEND_API_URL: api.url,
      BACKEND_WS_URL: socket.url,
      BACKEND_IO_URL_1: socketIo1.url,
      BACKEND_IO_URL_2: socketIo2.url,
    },
    shell: { KEY: widgetKey.key, ADMIN_CHAT_TOKEN: adminChatToken },
    backends: [
      ['backend API', api.url],
      ['backend socket server', socket.url],
      ...socketIo.map((s) => /** @type {[string, string]} */ ([`backend ${s.name}`, s.url])),
    ],
    close: async () => {
      await Promise.all([api.close(), socket.close(), ...socketIo.map((s) => s.close())]);
      redis.disconnect();
    },
  };
}
