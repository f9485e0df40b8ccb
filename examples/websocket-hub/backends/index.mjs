// @ts-check
// The WebSocket hub example's chat service, and tokens for a user and an admin signed with a
// secret made up for the run (the hub checks them with auth.jwt).
import { randomSecret, signDemoToken } from '../../lib/demo-secrets.mjs';
import { startChatService } from './chat-service.mjs';

export const needsRedis = false;

/** @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>} */
export async function start() {
  const secret = randomSecret();
  const chat = await startChatService();
  return {
    env: { JWT_SECRET: secret, CHAT_UPSTREAM: chat.url },
    shell: {
      TOKEN: await signDemoToken(secret, { sub: 'alice', roles: ['user'] }),
      ADMIN_TOKEN: await signDemoToken(secret, { sub: 'root', roles: ['admin'] }),
    },
    backends: [['chat', chat.url]],
    close: () => chat.close(),
  };
}
