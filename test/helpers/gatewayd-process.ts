import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareNode } from './node-process.js';

export const BIN = fileURLToPath(new URL('../../bin/gatewayd', import.meta.url));

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A gatewayd child process with its config in a temp dir and its JSON log lines collected. */
export class GatewaydProcess {
  readonly logs: LogLine[] = [];
  stderr = '';
  port = 0;
  /** True once the process has exited and its output is read to the end. */
  closed = false;
  private waiters: Array<{
    test: (l: LogLine) => boolean;
    resolve: (l: LogLine) => void;
    reject: (err: Error) => void;
  }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly proc: ChildProcess,
    readonly file: string,
  ) {
    let buffered = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          continue;
        }
        this.logs.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // No line comes after the output closes: a waiter left pending would keep its timer, and so
    // the test process, alive for its whole bound after the test has ended.
    proc.on('close', () => {
      this.closed = true;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(new Error(`gatewayd exited; stderr: ${this.stderr}`));
    });
  }

  /** Resolves with the first log line (past or future) that passes `test`; rejects after timeoutMs. */
  waitForLog(test: (l: LogLine) => boolean, timeoutMs = 10_000, from = 0): Promise<LogLine> {
    const seen = this.logs.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(new Error(`gatewayd exited; stderr: ${this.stderr}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  writeConfig(yaml: string): void {
    writeFileSync(this.file, yaml);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

const START_TIMEOUT_MS = 30_000;

/**
 * Writes `yaml` to a temp dir and runs gatewayd on it; resolves once it listens. With
 * `opts.file`, runs on that existing file instead (yaml is then ignored; the caller cleans up).
 */
export async function startGatewayd(
  t: Tap,
  yaml: string,
  opts: { args?: string[]; env?: NodeJS.ProcessEnv; file?: string } = {},
): Promise<GatewaydProcess> {
  const dir = opts.file ? null : mkdtempSync(join(tmpdir(), 'gatewayd-test-'));
  const file = opts.file ?? join(dir as string, 'gateway.yaml');
  if (dir) writeFileSync(file, yaml);
  const proc = spawn(
    ...bareNode([BIN, '--config', file, ...(opts.args ?? ['--log-level', 'info'])]),
    {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const gw = new GatewaydProcess(proc, file);
  t.teardown(async () => {
    await gw.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  // A start takes about half a second; the bound is for a machine busy with other work.
  // The waiter fails when the output closes, so a start that fails ends the wait with its stderr.
  const listening = await gw
    .waitForLog(
      (l) => l.msg === 'gatewayd listening' || l.msg === 'workers started',
      START_TIMEOUT_MS,
    )
    .catch(async (err: unknown) => {
      if (!gw.closed) throw err;
      const { code } = await gw.exited;
      throw new Error(
        `gatewayd exited with ${code} before listening: ${gw.stderr}${JSON.stringify(gw.logs.slice(-3))}`,
      );
    });
  gw.port = Number(listening.port ?? 0);
  return gw;
}

/**
 * Runs the CLI to completion and returns its output. `env` is the child's whole environment;
 * `nodeArgs` go to node itself (before the script).
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  nodeArgs: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(...bareNode([...nodeArgs, BIN, ...args]), { env });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // 'close', not 'exit': output can still be in the pipes when the process has exited.
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
