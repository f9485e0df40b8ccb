import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './free-port.js';
import { reportMissing, waitForReadyLine } from './private-server.js';

/** The few tap methods the helper needs; a tap `Test` satisfies it. */
interface Tap {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

export interface NatsHandle {
  /** nats://<user>:<password>@127.0.0.1:<port> */
  readonly url: string;
  /** The password in `url`, which no log may contain. */
  readonly password: string;
  /** SIGKILL, as a crash would; resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts clients. */
  restart(): Promise<void>;
}

const MISSING = 'nats-server (Debian package nats-server) not found: skipping NATS tests';
const READY_TIMEOUT_MS = 10_000;
const USER = 'gatewayd-test';

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/**
 * A private nats-server on a free loopback port with a user and password, killed by PID at
 * teardown. Null, after failing under CI=true or skipping loudly elsewhere, without the server.
 */
export async function startNats(t: Tap): Promise<NatsHandle | null> {
  const binary = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
  if (binary === undefined) {
    reportMissing(t, MISSING);
    return null;
  }
  const port = await freePort();
  const password = `pw-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let server: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const child = server;
    server = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    alive.delete(child);
  };
  const restart = async (): Promise<void> => {
    if (server !== null) throw new Error('nats-server is already running');
    const child = spawn(
      binary,
      ['-a', '127.0.0.1', '-p', String(port), '--user', USER, '--pass', password],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server = child;
    alive.add(child);
    await waitForReadyLine(child, 'nats-server', 'Server is ready', READY_TIMEOUT_MS);
  };
  t.teardown(stop);
  await restart();
  return { url: `nats://${USER}:${password}@127.0.0.1:${port}`, password, stop, restart };
}
