import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { reportMissing, waitForReadyLine } from './private-server.js';

/** The few tap methods the helper needs; a tap `Test` satisfies it. */
interface Tap {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

export interface RedisHandle {
  /** redis://127.0.0.1:<port> for the private server, or REDIS_URL as given. */
  readonly url: string;
  readonly port: number;
  /** True for a private server, which stop(), restart(), pause() and resume() control; false under REDIS_URL. */
  readonly controllable: boolean;
  /** Kills the private server (SIGKILL, as a crash would) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts the private server again on the same port and resolves once it accepts commands. */
  restart(): Promise<void>;
  /** Freezes the private server (SIGSTOP): connections stay open, nothing answers (a stall). */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

const READY_TIMEOUT_MS = 5000;
const EXIT_TIMEOUT_MS = 5000;
const MISSING = 'redis-server not found and REDIS_URL unset: skipping Redis tests';

/** One private redis-server process on a fixed port; restartable on that port. */
class PrivateRedis implements RedisHandle {
  readonly controllable = true;
  private child: ChildProcess | null = null;

  constructor(
    readonly port: number,
    /** Arguments beyond the port and the no-persistence defaults (a cluster's, a replica's). */
    private readonly extraArgs: readonly string[] = [],
    /** The log line that says the server is ready. */
    private readonly readyLine = 'Ready to accept connections',
    /** A config file to start from (a sentinel needs one it can write). */
    private readonly configFile: string | null = null,
  ) {}

  /** The PID of the running server, for a test that reports what it killed. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Spawns the server and waits for its 'Ready to accept connections' line. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      [
        ...(this.configFile === null ? [] : [this.configFile]),
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        tmpdir(),
        '--daemonize',
        'no',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    alive.add(child);
    child.once('exit', () => {
      alive.delete(child);
      if (this.child === child) this.child = null;
    });
    try {
      await waitForReadyLine(child, 'redis-server', this.readyLine, READY_TIMEOUT_MS);
    } catch (err) {
      this.kill(child);
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new RedisMissingError(MISSING) : err;
    }
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.child) throw new Error('redis-server is not running');
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await this.kill(child);
  }

  /** SIGKILL by PID, resolving on 'exit' (bounded). */
  private kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server pid ${child.pid} did not exit`)),
        EXIT_TIMEOUT_MS,
      );
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGKILL');
    });
  }
}

/** A server given by REDIS_URL: shared, so it cannot be stopped or restarted. */
class ExternalRedis implements RedisHandle {
  readonly controllable = false;
  readonly port: number;

  constructor(readonly url: string) {
    this.port = Number(new URL(url).port || 6379);
  }

  stop(): Promise<void> {
    return Promise.reject(new Error('cannot stop the Redis given by REDIS_URL'));
  }

  restart(): Promise<void> {
    return Promise.reject(new Error('cannot restart the Redis given by REDIS_URL'));
  }

  pause(): void {
    throw new Error('cannot pause the Redis given by REDIS_URL');
  }

  resume(): void {
    throw new Error('cannot resume the Redis given by REDIS_URL');
  }
}

/** Every private server still running, killed synchronously if the test process exits early. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

class RedisMissingError extends Error {}

/**
 * A Redis for one test: REDIS_URL when set, else a private `redis-server` spawned from PATH on a
 * free port, killed by PID at teardown. When neither is possible the test fails under CI=true
 * (Redis coverage must not silently vanish there) and is skipped, loudly, elsewhere; both return
 * null so the caller can return early.
 */
export async function startRedis(t: Tap): Promise<RedisHandle | null> {
  const external = process.env.REDIS_URL;
  if (external) return new ExternalRedis(external);

  let lastError: unknown;
  // The port can be taken between freePort() and the server's bind; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const redis = new PrivateRedis(await freePort());
    try {
      await redis.restart();
      t.teardown(() => redis.stop());
      return redis;
    } catch (err) {
      lastError = err;
      if (err instanceof RedisMissingError) break;
    }
  }

  if (!(lastError instanceof RedisMissingError)) throw lastError;
  reportMissing(t, MISSING, 'Redis');
  return null;
}

interface PrivateOptions {
  args?: string[];
  readyLine?: string;
  configFile?: string;
}

/**
 * Starts a private server with `args`, retrying on other ports when a chosen one was taken (by
 * then any test's outgoing connection may hold it): `options` runs again on each attempt, so
 * ports it picks itself (a cluster bus port) are fresh too.
 */
async function startPrivate(
  t: Tap,
  options: (port: number) => PrivateOptions | Promise<PrivateOptions>,
): Promise<PrivateRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const o = await options(port);
    const redis = new PrivateRedis(port, o.args, o.readyLine, o.configFile ?? null);
    try {
      await redis.restart();
      t.teardown(() => redis.stop());
      return redis;
    } catch (err) {
      lastError = err;
      if (err instanceof RedisMissingError) break;
    }
  }
  throw lastError;
}

/** Polls `check` every 100 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One command to one node on a short-lived connection (for setup and status checks). */
export async function nodeCommand(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0] as string, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

export interface RedisNode {
  readonly port: number;
  readonly pid: number | undefined;
  /** SIGKILL, as a crash would; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface RedisClusterHandle {
  /** host:port of every node, for `redis.cluster.nodes`. */
  readonly nodes: string[];
  readonly servers: readonly RedisNode[];
  /** The node serving `slot` as master right now (asked of a live node). */
  masterOf(slot: number): Promise<RedisNode>;
}

/**
 * A Redis Cluster of three masters and three replicas on private loopback ports (node timeout
 * 1 s, so a killed master fails over in a few seconds), made with `redis-cli --cluster create`.
 * Null, after failing under CI=true or skipping elsewhere, without redis-server or redis-cli.
 */
export async function startRedisCluster(t: Tap): Promise<RedisClusterHandle | null> {
  if (!(await haveRedisTools())) {
    reportMissing(t, MISSING, 'Redis');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-cluster-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const servers = await Promise.all(
    Array.from({ length: 6 }, () =>
      startPrivate(t, async (port) => ({
        args: [
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '1000',
          // The default bus port (port + 10000) can fall outside the port range.
          '--cluster-port',
          String(await freePort()),
        ],
      })),
    ),
  );
  const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes,
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  await pollUntil(
    'every cluster node reports cluster_state:ok with 6 nodes and synced replicas',
    async () => {
      for (const s of servers) {
        const info = String(await nodeCommand(s.port, 'CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_known_nodes:6')) {
          return false;
        }
        const replication = String(await nodeCommand(s.port, 'INFO', 'replication'));
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) {
          return false;
        }
      }
      return true;
    },
    20_000,
  );
  return {
    nodes,
    servers,
    async masterOf(slot) {
      for (const s of servers) {
        if (s.pid === undefined) continue;
        const ranges = (await nodeCommand(s.port, 'CLUSTER', 'SLOTS').catch(() => null)) as Array<
          [number, number, [string, number]]
        > | null;
        if (ranges === null) continue;
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        const port = range?.[2][1];
        const found = servers.find((n) => n.port === port);
        if (found) return found;
      }
      throw new Error(`no live node knows the master of slot ${slot}`);
    },
  };
}

export interface RedisSentinelHandle {
  readonly masterName: string;
  /** host:port of each sentinel, for `redis.sentinel.nodes`. */
  readonly sentinels: string[];
  readonly master: RedisNode;
  readonly replica: RedisNode;
  /** The port the sentinels name as master now. */
  currentMasterPort(): Promise<number>;
}

/**
 * One master, one replica and three sentinels (quorum 2, down after 1 s) on private loopback
 * ports; resolves once every sentinel knows the replica and the two other sentinels, so a
 * failover can start as soon as the master dies. Null as startRedisCluster.
 */
export async function startRedisSentinel(t: Tap): Promise<RedisSentinelHandle | null> {
  if (!(await haveRedisTools())) {
    reportMissing(t, MISSING, 'Redis');
    return null;
  }
  const masterName = 'gatewayd-test';
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-sentinel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A directory of their own: a dump.rdb another program left in the temp dir is not loaded.
  const master = await startPrivate(t, () => ({ args: ['--dir', dir] }));
  const replica = await startPrivate(t, () => ({
    args: ['--dir', dir, '--replicaof', '127.0.0.1', String(master.port)],
  }));
  await pollUntil(
    'the replica is in sync with the master',
    async () =>
      String(await nodeCommand(replica.port, 'INFO', 'replication')).includes(
        'master_link_status:up',
      ),
    10_000,
  );
  const sentinels = await Promise.all(
    [0, 1, 2].map((i) =>
      startPrivate(t, (port) => {
        const configFile = join(dir, `sentinel-${i}-${port}.conf`);
        writeFileSync(
          configFile,
          [
            `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
            `sentinel down-after-milliseconds ${masterName} 1000`,
            `sentinel failover-timeout ${masterName} 5000`,
            `sentinel parallel-syncs ${masterName} 1`,
            '',
          ].join('\n'),
        );
        return { args: ['--dir', dir, '--sentinel'], readyLine: '+monitor master', configFile };
      }),
    ),
  );
  const currentMasterPort = async (): Promise<number> => {
    for (const s of sentinels) {
      const addr = (await nodeCommand(
        s.port,
        'SENTINEL',
        'get-master-addr-by-name',
        masterName,
      ).catch(() => null)) as [string, string] | null;
      if (addr !== null) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  };
  await pollUntil(
    'every sentinel knows the replica and the other two sentinels',
    async () => {
      for (const s of sentinels) {
        const fields = (await nodeCommand(s.port, 'SENTINEL', 'master', masterName)) as string[];
        const field = (name: string) => fields[fields.indexOf(name) + 1];
        if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') return false;
      }
      return true;
    },
    15_000,
  );
  return {
    masterName,
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`),
    master,
    replica,
    currentMasterPort,
  };
}

/** Whether redis-server and redis-cli are on PATH. */
async function haveRedisTools(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
