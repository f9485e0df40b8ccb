import type { ChildProcess } from 'node:child_process';
import { RedisServerMissingError, spawnRedisServer } from '../../scripts/lib/redis-server.mjs';
import { freePort } from './free-port.js';

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

const EXIT_TIMEOUT_MS = 5000;
const MISSING = 'redis-server not found and REDIS_URL unset: skipping Redis tests';

/** One private redis-server process on a fixed port; restartable on that port. */
class PrivateRedis implements RedisHandle {
  readonly controllable = true;
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Spawns the server and waits until it accepts commands. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = await spawnRedisServer(this.port);
    this.child = child;
    alive.add(child);
    child.once('exit', () => {
      alive.delete(child);
      if (this.child === child) this.child = null;
    });
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
      if (err instanceof RedisServerMissingError) break;
    }
  }

  if (!(lastError instanceof RedisServerMissingError)) throw lastError;
  if (process.env.CI === 'true') {
    t.fail(`!!! ${MISSING.replace(': skipping', ': cannot run')} (CI=true requires Redis) !!!`);
  } else {
    console.error(`!!! ${MISSING} !!!`);
    t.comment(`!!! ${MISSING} !!!`);
    t.pass(MISSING, { skip: MISSING });
  }
  return null;
}
