import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as dial } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { reportMissing, waitForReadyLine } from './private-server.js';

/** The few tap methods the helper needs; a tap `Test` satisfies it. */
interface Tap {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

export interface RabbitmqHandle {
  /** amqp://<user>:<password>@127.0.0.1:<port>/ */
  readonly url: string;
  readonly port: number;
  /** The password in `url`, which no log may contain. */
  readonly password: string;
  /** Kills the broker (SIGKILL to its process group, as a crash would); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data directory; resolves once it accepts clients. */
  restart(): Promise<void>;
}

/** Debian's package puts the server script here; /usr/sbin's wrapper switches users first. */
const SERVER_SCRIPTS = ['/usr/lib/rabbitmq/bin/rabbitmq-server', '/usr/sbin/rabbitmq-server'];
const MISSING =
  'rabbitmq-server (Debian package rabbitmq-server) not found: skipping RabbitMQ tests';
/** A boot takes 5-10 s on a quiet machine; the bound is for a busy one. */
const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 10_000;
const USER = 'gatewayd-test';

/** Every process group still running, killed if the test process exits early. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) killGroup(child);
});

/**
 * A private RabbitMQ node: its own node name, AMQP, distribution and epmd ports (an epmd of its
 * own, started here, so nothing outlives the test), data and log directories and a user with a
 * password, all under a temp dir. Null, after failing under CI=true or skipping loudly
 * elsewhere, when the server or epmd is not installed.
 */
export async function startRabbitmq(t: Tap): Promise<RabbitmqHandle | null> {
  const script = SERVER_SCRIPTS.find((p) => existsSync(p));
  if (script === undefined || !(await runs('epmd', ['-help']))) {
    reportMissing(t, MISSING);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-rabbitmq-'));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const password = `pw-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `default_user = ${USER}`,
      `default_pass = ${password}`,
      `listeners.tcp.default = 127.0.0.1:${port}`,
      // The test fills no disk and no memory; the defaults would stop publishers on a full /tmp.
      'disk_free_limit.absolute = 1MB',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir, // the Erlang cookie
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: `gatewayd-test-${process.pid}-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel inet_dist_use_interface {127,0,0,1}`,
  };

  const epmd = spawn('epmd', ['-port', String(epmdPort)], {
    env,
    stdio: 'ignore',
    detached: true,
  });
  alive.add(epmd);
  await waitListening(epmdPort, 5000);

  let server: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const child = server;
    server = null;
    if (child !== null) await killAndWait(child);
  };
  const restart = async (): Promise<void> => {
    if (server !== null) throw new Error('rabbitmq-server is already running');
    // Its own process group: the script, the Erlang VM and its helpers die together.
    const child = spawn(script, [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server = child;
    alive.add(child);
    child.once('exit', () => alive.delete(child));
    await waitForReadyLine(child, 'rabbitmq-server', 'Server startup complete', READY_TIMEOUT_MS);
  };
  t.teardown(async () => {
    await stop();
    await killAndWait(epmd);
    rmSync(dir, { recursive: true, force: true });
  });
  await restart();
  return {
    url: `amqp://${USER}:${password}@127.0.0.1:${port}/`,
    port,
    password,
    stop,
    restart,
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  alive.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child); // the VM may outlive the script
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process group ${child.pid} did not exit`)),
      EXIT_TIMEOUT_MS,
    );
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    killGroup(child);
  });
}

/** Polls a TCP connect to 127.0.0.1:port every 50 ms until it succeeds. */
async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = dial(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function runs(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(true));
  });
}
