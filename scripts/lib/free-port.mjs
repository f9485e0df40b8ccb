// @ts-check
import { createServer } from 'node:net';

/**
 * An ephemeral port on 127.0.0.1 that was free a moment ago (the kernel picks it; it is released
 * at once, so the caller must bind soon and retry if it lost the race).
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
