// @ts-check
// A private redis-server process on 127.0.0.1: the example runner starts one for the examples
// that need Redis, and the tests start theirs the same way (test/helpers/redis.ts).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

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
    await waitReady(child);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
  return child;
}

/**
 * Resolves when the server logs that it is ready; rejects on exit, spawn failure or timeout.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<void>}
 */
function waitReady(child) {
  return new Promise((resolve, reject) => {
    let output = '';
    /** @param {Error} [err] */
    const finish = (err) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining both pipes so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    };
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('Ready to accept connections')) finish();
    };
    /** @param {number | null} code @param {string | null} signal */
    const onExit = (code, signal) =>
      finish(new Error(`redis-server exited (${code ?? signal}) before ready:\n${output}`));
    /** @param {NodeJS.ErrnoException} err */
    const onError = (err) =>
      finish(
        err.code === 'ENOENT'
          ? new RedisServerMissingError('redis-server not found on PATH')
          : new Error(`cannot spawn redis-server: ${err.message}`),
      );
    const timer = setTimeout(
      () => finish(new Error(`redis-server not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
