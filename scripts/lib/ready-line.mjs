// @ts-check
// Waiting for a server process to say it is ready: the example runner's Redis and the servers the
// tests spawn (Redis, RabbitMQ, NATS) all use this.

/**
 * Resolves when `child` (a server named `name` in errors) writes `readyLine` on stdout or stderr;
 * rejects on exit, spawn failure (the error keeps its `code`, ENOENT for a missing binary) or
 * after `timeoutMs`. Both pipes keep draining afterwards, so a chatty server never blocks on a
 * full pipe.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} name
 * @param {string} readyLine
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
export function waitForReadyLine(child, name, readyLine, timeoutMs) {
  return new Promise((resolve, reject) => {
    let output = '';
    /** @param {Error} [err] */
    const finish = (err) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    };
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes(readyLine)) finish();
    };
    /** @param {number | null} code @param {string | null} signal */
    const onExit = (code, signal) =>
      finish(new Error(`${name} exited (${code ?? signal}) before ready:\n${output}`));
    /** @param {NodeJS.ErrnoException} err */
    const onError = (err) =>
      finish(Object.assign(new Error(`cannot spawn ${name}: ${err.message}`), { code: err.code }));
    const timer = setTimeout(
      () => finish(new Error(`${name} not ready within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
