// Child-process bookkeeping for the harness: every process it starts goes through startProcess,
// so cleanup can always find it and end it (and its descendants) by PID.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const STOP_GRACE_MS = 3000;
const READY_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 1000;

const running = new Set();
let closing = false;

/** Resolves after ms without keeping the process alive: only for racing against something. */
export function raceTimeout(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Spawns cmd, pinned to one CPU with taskset when cpu is given; env adds to this process's
 * environment. stdout/stderr are 'ignore',
 * 'pipe' or a file path (appended). Returns { pid, child, reason, exited }: reason stays null
 * while the process runs, then says how it ended.
 */
export function startProcess(
  cmd,
  args,
  { cpu, cwd, env, stdout = 'ignore', stderr = 'ignore' } = {},
) {
  if (closing) throw new Error('harness is shutting down');
  const argv = cpu === undefined ? [cmd, ...args] : ['taskset', '-c', String(cpu), cmd, ...args];
  const fds = [];
  const sink = (target) => {
    if (target === 'ignore' || target === 'pipe') return target;
    const fd = openSync(target, 'a');
    fds.push(fd);
    return fd;
  };
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: env === undefined ? process.env : { ...process.env, ...env },
    stdio: ['ignore', sink(stdout), sink(stderr)],
  });
  fds.forEach((fd) => closeSync(fd));

  const proc = { pid: child.pid, child, reason: null };
  // 'close' (not 'exit') so piped output is fully read before anyone looks at it.
  proc.exited = new Promise((resolve) => {
    child.once('close', (code, signal) =>
      resolve(signal ? `signal ${signal}` : `exit code ${code}`),
    );
    child.once('error', (err) => resolve(err.message));
  }).then((reason) => {
    proc.reason = reason;
    running.delete(proc);
  });
  running.add(proc);
  return proc;
}

/** SIGTERM, a grace period, then SIGKILL for whatever is left of the process tree. */
export async function stopProcess(proc) {
  const tree = processTree(proc.pid);
  if (proc.reason === null) proc.child.kill('SIGTERM');
  await Promise.race([proc.exited, raceTimeout(STOP_GRACE_MS)]);
  tree.forEach((p) => killIfSame(p, 'SIGKILL'));
}

/** Stops every process started here; no new ones may start afterwards. */
export async function stopAll() {
  closing = true;
  await Promise.all([...running].map(stopProcess));
}

/** True once stopAll or killAllNow has begun: failures after that are expected, not news. */
export function shuttingDown() {
  return closing;
}

/** Last-resort synchronous cleanup for process 'exit', when nothing can be awaited. */
export function killAllNow() {
  closing = true;
  for (const proc of running) processTree(proc.pid).forEach((p) => killIfSame(p, 'SIGKILL'));
}

/** Sum of VmRSS over the process and its descendants, in bytes. */
export function treeRssBytes(pid) {
  let kb = 0;
  for (const { pid: p } of processTree(pid)) {
    try {
      kb += Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      // Exited between listing and reading: it holds no memory any more.
    }
  }
  return kb * 1024;
}

/** [{ pid, start }] for pid and all its descendants; start guards against PID reuse. */
function processTree(rootPid) {
  const root = rootPid && readStat(rootPid);
  if (!root) return [];
  const byParent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    if (!byParent.has(stat.ppid)) byParent.set(stat.ppid, []);
    byParent.get(stat.ppid).push(stat);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i].pid) ?? []));
  return tree;
}

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses, so split after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return null;
  }
}

function killIfSame({ pid, start }, signal) {
  if (readStat(pid)?.start !== start) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls GET http://127.0.0.1:port/ (https:// for TLS targets, whose bench certificate is not
 * verified) until it answers 200, for at most 10 s; fails early if the process ends. A 200 (not
 * just an open port) proves a proxy actually reaches its upstream.
 */
export async function waitReady(port, proc, path = '/', headers = {}, scheme = 'http') {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.reason !== null) throw new Error(`process ended (${proc.reason})`);
    try {
      const status = await probe(port, path, headers, scheme);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await sleep(100);
  }
  throw new Error(`not ready on 127.0.0.1:${port} after ${READY_TIMEOUT_MS / 1000} s (${last})`);
}

function probe(port, path, headers, scheme) {
  return new Promise((resolve, reject) => {
    const client = scheme === 'https' ? https : http;
    const options = {
      host: '127.0.0.1',
      port,
      path,
      headers,
      agent: false,
      rejectUnauthorized: false,
    };
    const req = client.get(options, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

/** The last lines of a log file, indented, for error messages. */
export function tail(file, lines = 30) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  if (!text) return '';
  return `\n    ${text.split('\n').slice(-lines).join('\n    ')}`;
}

export function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, cmd)));
}

/** Resolves once something accepts TCP connections on the port (for servers without HTTP). */
export async function waitListening(port, proc) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.reason !== null) throw new Error(`process ended (${proc.reason})`);
    const open = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${READY_TIMEOUT_MS / 1000} s`);
}
