import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Checks `test` every `everyMs` until it holds and resolves with how many milliseconds that took;
 * rejects after `ms`. For conditions nothing announces (a count in Redis, a list over HTTP): where
 * the code under test logs or emits an event, wait for that instead.
 */
export async function until(
  test: () => boolean | Promise<boolean>,
  ms = 3000,
  everyMs = 10,
): Promise<number> {
  const start = Date.now();
  while (!(await test())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(everyMs);
  }
  return Date.now() - start;
}
