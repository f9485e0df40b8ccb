// @ts-check
// The quickstart's demo upstream: `npm start` runs without it (and /api/* answers 502), the
// example runner starts it so /api/* has something to proxy to.
import { startEchoService } from '../../lib/echo-service.mjs';

export const needsRedis = false;

/** @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>} */
export async function start() {
  const demo = await startEchoService('demo');
  return {
    env: { DEMO_UPSTREAM: demo.url },
    shell: {},
    backends: [['demo', demo.url]],
    close: () => demo.close(),
  };
}
