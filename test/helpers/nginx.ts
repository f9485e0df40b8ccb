import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

interface Tap {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

export interface NginxHandle {
  readonly port: number;
  readonly url: string;
}

const MISSING = 'nginx not found on PATH: skipping the tests against an nginx upstream';
const READY_TIMEOUT_MS = 5000;

/**
 * A private nginx on a free loopback port, serving `locations` (the inside of its `server`
 * block), killed by PID at teardown. nginx is the upstream that decodes paths as most servers
 * do, which is what path-confusion tests need. Without nginx the test fails under CI=true and is
 * skipped loudly elsewhere; both return null.
 */
export async function startNginx(t: Tap, locations: string): Promise<NginxHandle | null> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gatewayd-nginx-'));
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, locations));
    let child: ChildProcess;
    try {
      child = await launch(dir, port);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      lastError = err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
      continue;
    }
    t.teardown(
      () =>
        new Promise<void>((resolve) => {
          child.once('exit', () => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          });
          child.kill('SIGKILL');
        }),
    );
    return { port, url: `http://127.0.0.1:${port}` };
  }
  if ((lastError as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw lastError;
  if (process.env.CI === 'true') {
    t.fail(`!!! ${MISSING.replace(': skipping', ': cannot run')} (CI=true requires nginx) !!!`);
  } else {
    console.error(`!!! ${MISSING} !!!`);
    t.comment(`!!! ${MISSING} !!!`);
    t.pass(MISSING, { skip: MISSING });
  }
  return null;
}

function nginxConf(dir: string, port: number, locations: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
}
`;
}

/** Starts nginx and resolves once its port accepts connections, or rejects with its stderr. */
function launch(dir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let settled = false;
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`nginx did not listen within ${READY_TIMEOUT_MS} ms: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.once('error', (err) => {
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      settled = true;
      clearTimeout(timer);
      reject(new Error(`nginx exited with ${code}: ${stderr}`));
    });
    // nginx says nothing when it listens: try its port until it accepts or the wait ends.
    const probe = (): void => {
      if (settled) return;
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        settled = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(child);
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(probe, 20);
      });
    };
    probe();
  });
}
