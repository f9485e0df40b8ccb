// @ts-check
// A private redis-server process on 127.0.0.1: the example runner starts one for the examples
// that need Redis, and the tests start theirs the same way (test/helpers/redis.ts).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { waitForReadyLine } from './ready-line.mjs';

const READY_TIMEOUT_MS = 5000;

/** redis-server is not on PATH. */
export class RedisServerMissingError extends Error {}

/**
 * Spawns `redis-server` on `port` (127.0.0.1, no persistence) and resolves once it accepts
 * commands; rejects with RedisServerMissingError when it is not installed.
 * @param {number} port
 * @returns {Promise<import('node:child_process').ChildProcess>}
 */
export async function spawnRedisServer(port) {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1'],
      ...['--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--daemonize', 'no'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await waitForReadyLine(child, 'redis-server', 'Ready to accept connections', READY_TIMEOUT_MS);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') {
      throw new RedisServerMissingError('redis-server not found on PATH');
    }
    throw err;
  }
  return child;
}
