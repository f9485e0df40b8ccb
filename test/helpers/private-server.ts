import type { ChildProcess } from 'node:child_process';

interface Tap {
  fail(message: string): void;
  comment(message: string): void;
  pass(message: string, extra: { skip: string }): void;
}

/**
 * Resolves when `child` (a server the test spawned, named `name` in errors) writes `readyLine` on
 * stdout or stderr; rejects on exit, spawn failure (the error keeps its `code`, ENOENT for a
 * missing binary) or after `timeoutMs`. Both pipes keep draining afterwards, so a chatty server
 * never blocks on a full pipe.
 */
export function waitForReadyLine(
  child: ChildProcess,
  name: string,
  readyLine: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const finish = (err?: Error) => {
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
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes(readyLine)) finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${name} exited (${code ?? signal}) before ready:\n${output}`));
    const onError = (err: NodeJS.ErrnoException) =>
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

/**
 * A tool the test needs is missing (`missing` says which and what is skipped): a failure under
 * CI=true, where coverage must not silently vanish, else a loud skip. `what` names the tool in
 * the failure.
 */
export function reportMissing(t: Tap, missing: string, what = 'it'): void {
  if (process.env.CI === 'true') {
    t.fail(`!!! ${missing.replace(': skipping', ': cannot run')} (CI=true requires ${what}) !!!`);
  } else {
    console.error(`!!! ${missing} !!!`);
    t.comment(`!!! ${missing} !!!`);
    t.pass(missing, { skip: missing });
  }
}
