// WebSocket hub benchmark: gatewayd's channel hub against a hub written on the `ws` package, in
// one run, interleaved. See bench/README.md ("WebSocket hub").
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import YAML from 'yaml';
import {
  freePort,
  raceTimeout,
  startProcess,
  stopAll,
  stopProcess,
  treeRssBytes,
} from './lib/process.mjs';
import { median, writeSection } from './lib/report.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(import.meta.dirname, 'RESULTS.md');
const CPU = { target: 0, clients: 1 };
const CHANNEL = 'bench';
const PAYLOAD = { text: 'x'.repeat(64) };
const TICKS_PER_SECOND = 100;
const STEP_TIMEOUT_MS = 120_000;

const USAGE = `Usage: node bench/websocket.mjs [options]   (or: npm run bench:ws -- [options])

  --subscribers N   clients subscribed to one channel (default 10000)
  --messages K      messages published per measured burst (default 100)
  --rounds R        rounds, each running every target once (default 3)
  --write           also save the results as the "websocket" section of bench/RESULTS.md
  --help            show this`;

const { values: opts } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const subscribers = Number(opts.subscribers);
const messages = Number(opts.messages);
const rounds = Number(opts.rounds);

const TARGETS = [
  { name: 'gatewayd-hub', start: startGatewayd },
  { name: 'ws-hub', start: startWsHub },
];

async function startGatewayd(tmp) {
  const port = await freePort();
  const file = join(tmp, 'gatewayd-hub.yaml');
  writeFileSync(file, YAML.stringify(gatewaydHubConfig(port)));
  const proc = startProcess(process.execPath, [join(ROOT, 'bin', 'gatewayd'), '--config', file], {
    cpu: CPU.target,
    stdout: join(tmp, 'gatewayd-hub.log'),
    stderr: join(tmp, 'gatewayd-hub.log'),
  });
  return { proc, url: `ws://127.0.0.1:${port}/ws` };
}

/** The hub with nothing in the way of a bench: no auth, no timers, no history, no rate limit. */
function gatewaydHubConfig(port) {
  return {
    server: { http_port: port, bind_address: '127.0.0.1' },
    observability: { logging: { level: 'warn', access_log: false } },
    routes: [],
    websocket: {
      server: {
        path: '/ws',
        require_auth: false,
        max_connections: subscribers + 100,
        ping_interval: '0s',
        idle_timeout: '0s',
      },
      channels: {
        [CHANNEL]: {
          require_auth: false,
          allow_publish: true,
          max_subscribers: subscribers + 100,
          message_history: 0,
        },
      },
    },
  };
}

async function startWsHub(tmp) {
  const port = await freePort();
  const proc = startProcess(
    process.execPath,
    [join(import.meta.dirname, 'peers', 'ws-hub.mjs'), String(port)],
    {
      cpu: CPU.target,
      stdout: join(tmp, 'ws-hub.log'),
      stderr: join(tmp, 'ws-hub.log'),
    },
  );
  return { proc, url: `ws://127.0.0.1:${port}/ws` };
}

/** Resolves once a client can connect and subscribe. */
async function waitReady(target) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (target.proc.reason !== null) throw new Error(`exited (${target.proc.reason})`);
    const ok = await new Promise((done) => {
      const ws = new WebSocket(target.url, { perMessageDeflate: false });
      ws.on('message', (data) => {
        if (String(data).includes('"connected"')) {
          ws.close();
          done(true);
        }
      });
      ws.on('error', () => done(false));
      setTimeout(() => done(false), 1000).unref();
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('never accepted a WebSocket connection');
}

/** utime + stime of the process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function request(child, message, answerKey) {
  return Promise.race([
    new Promise((done) => {
      const onMessage = (m) => {
        if (m[answerKey] === undefined) return;
        child.off('message', onMessage);
        done(m[answerKey]);
      };
      child.on('message', onMessage);
      child.send(message);
    }),
    raceTimeout(STEP_TIMEOUT_MS).then(() => {
      throw new Error(`no ${answerKey} within ${STEP_TIMEOUT_MS} ms`);
    }),
  ]);
}

function openPublisher(url) {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => done(ws));
    ws.on('error', fail);
  });
}

/** One target, one round: memory per idle subscribed connection, then one measured burst. */
async function measure(target, tmp) {
  const started = await target.start(tmp);
  const run = { ...started };
  const clients = fork(join(import.meta.dirname, 'lib', 'ws-clients.mjs'), [], {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await waitReady(run);
    await sleep(500);
    const rssBefore = treeRssBytes(run.proc.pid);
    const connected = await request(
      clients,
      { connect: { url: run.url, count: subscribers, channel: CHANNEL } },
      'connected',
    );
    await sleep(1000);
    const rssAfter = treeRssBytes(run.proc.pid);
    const publisher = await openPublisher(run.url);
    const expected = connected * messages;
    const cpuStart = cpuSeconds(run.proc.pid);
    const t0 = performance.now();
    const done = request(clients, { expect: expected }, 'received');
    for (let i = 0; i < messages; i++) {
      publisher.send(
        JSON.stringify({ type: 'publish', channel: CHANNEL, data: PAYLOAD, id: String(i) }),
      );
    }
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(run.proc.pid) - cpuStart;
    publisher.close();
    return {
      deliveriesPerSecond: expected / seconds,
      deliveriesPerCpuSecond: expected / Math.max(cpu, 1 / TICKS_PER_SECOND),
      bytesPerConnection: (rssAfter - rssBefore) / connected,
    };
  } finally {
    clients.send({ close: true });
    await Promise.race([new Promise((r) => clients.once('exit', r)), raceTimeout(10_000)]);
    clients.kill('SIGKILL');
    await stopProcess(run.proc);
  }
}

function table(rows) {
  const header = [
    'target',
    'deliveries/s (median)',
    'deliveries per CPU-second of the hub',
    'KiB per idle subscribed connection',
  ];
  const lines = [header, header.map(() => '---')];
  for (const r of rows) {
    lines.push([
      r.name,
      Math.round(r.deliveriesPerSecond).toLocaleString('en-US'),
      Math.round(r.deliveriesPerCpuSecond).toLocaleString('en-US'),
      (r.bytesPerConnection / 1024).toFixed(1),
    ]);
  }
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'gatewayd-wsbench-'));
  const samples = new Map(TARGETS.map((t) => [t.name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const target of TARGETS) {
        try {
          const s = await measure(target, tmp);
          samples.get(target.name).push(s);
          console.error(
            `round ${round} ${target.name}: ${Math.round(s.deliveriesPerSecond)} deliveries/s, ${(s.bytesPerConnection / 1024).toFixed(1)} KiB/conn`,
          );
        } catch (err) {
          console.error(`round ${round} ${target.name}: failed: ${err.message}`);
        }
      }
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  const rows = [...samples]
    .filter(([, s]) => s.length > 0)
    .map(([name, s]) => ({
      name,
      deliveriesPerSecond: median(s.map((x) => x.deliveriesPerSecond)),
      deliveriesPerCpuSecond: median(s.map((x) => x.deliveriesPerCpuSecond)),
      bytesPerConnection: median(s.map((x) => x.bytesPerConnection)),
    }));
  const gw = rows.find((r) => r.name === 'gatewayd-hub');
  const peer = rows.find((r) => r.name === 'ws-hub');
  const ratio =
    gw && peer
      ? `\n\ngatewayd-hub / ws-hub: deliveries/s ${(gw.deliveriesPerSecond / peer.deliveriesPerSecond).toFixed(2)}×, per CPU-second ${(gw.deliveriesPerCpuSecond / peer.deliveriesPerCpuSecond).toFixed(2)}×, memory per connection ${(gw.bytesPerConnection / peer.bytesPerConnection).toFixed(2)}×`
      : '';
  const command = `node bench/websocket.mjs --subscribers ${subscribers} --messages ${messages} --rounds ${rounds}`;
  const body = `${new Date().toISOString().slice(0, 10)}, \`${command}\`, ${cpus()[0]?.model ?? 'unknown CPU'}; medians of ${rounds} rounds; one channel, ${subscribers} subscribers, bursts of ${messages} messages of ~100 bytes; hubs pinned to CPU ${CPU.target}, clients (one \`ws\` process) to CPU ${CPU.clients}.\n\n${table(rows)}${ratio}\n`;
  console.log(body);
  if (opts.write) writeSection(RESULTS_FILE, 'websocket', body);
}

await main();
