#!/usr/bin/env node
// WebSocket hub benchmark: fan-out deliveries per second to N subscribers of one channel, and
// memory per connection, for gatewayd's hub and a hub written on the `ws` package.
// Usage: taskset -c 1 node bench/ws-hub.mjs [--subscribers 10000] [--messages 100]
//        [--payload 100] [--targets gatewayd,ws-hub]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import {
  freePort,
  killAllNow,
  raceTimeout,
  startProcess,
  stopAll,
  stopProcess,
  tail,
  treeRssBytes,
  waitListening,
} from './lib/process.mjs';

const { values: opts } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '100' },
    payload: { type: 'string', default: '100' },
    targets: { type: 'string', default: 'gatewayd,ws-hub' },
  },
});
const SUBSCRIBERS = Number(opts.subscribers);
const MESSAGES = Number(opts.messages);
const PAYLOAD = 'x'.repeat(Number(opts.payload));
const CONNECT_BATCH = 250;
const STEP_TIMEOUT_MS = 120_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatewayd-ws-bench-'));

process.on('exit', killAllNow);
process.on('SIGINT', () => process.exit(130));

const TARGETS = {
  gatewayd: (port) => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `server: { http_port: ${port}, bind_address: 127.0.0.1 }
routes: []
websocket:
  server: { require_auth: false, max_connections: ${SUBSCRIBERS + 10}, ping_interval: 0s, idle_timeout: 0s }
  channels:
    default: { require_auth: false, allow_publish: true, max_subscribers: ${SUBSCRIBERS + 10} }
observability:
  logging: { level: warn, access_log: false }
`,
    );
    return [process.execPath, [join(root, 'bin/gatewayd'), '--config', file]];
  },
  'ws-hub': (port) => [process.execPath, [join(root, 'bench/peers/ws-hub.mjs'), String(port)]],
};

/** Bounded wait: every step of the run either finishes or fails within STEP_TIMEOUT_MS. */
async function within(promise, what) {
  const timeout = raceTimeout(STEP_TIMEOUT_MS).then(() => {
    throw new Error(`${what}: no result within ${STEP_TIMEOUT_MS / 1000} s`);
  });
  return Promise.race([promise, timeout]);
}

function open(url, onEvent) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const acks = new Map();
    ws.on('message', (raw) => {
      const text = raw.toString();
      // Events are counted without parsing: the client must not be the bottleneck.
      if (text.startsWith('{"type":"event"')) onEvent();
      else {
        const msg = JSON.parse(text);
        if (msg.type === 'connected') resolve({ ws, acks });
        else if (msg.type === 'ack') acks.get(msg.id)?.(msg);
      }
    });
    ws.once('error', reject);
  });
}

function request(client, message) {
  const id = `${Math.random()}`;
  return new Promise((resolve) => {
    client.acks.set(id, resolve);
    client.ws.send(JSON.stringify({ ...message, id }));
  });
}

async function run(name) {
  const port = await freePort();
  const [cmd, args] = TARGETS[name](port);
  const log = join(dir, `${name}.log`);
  const proc = startProcess(cmd, args, { cpu: 0, stdout: log, stderr: log });
  try {
    await waitListening(port, proc);
    await new Promise((r) => setTimeout(r, 500));
    const url = `ws://127.0.0.1:${port}/ws`;
    const rssBefore = treeRssBytes(proc.pid);
    let received = 0;
    let done = () => undefined;
    const onEvent = () => {
      if (++received === SUBSCRIBERS * MESSAGES) done();
    };
    const clients = [];
    for (let i = 0; i < SUBSCRIBERS; i += CONNECT_BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(SUBSCRIBERS, i + CONNECT_BATCH); j++) {
        batch.push(
          open(url, onEvent).then(async (c) => {
            await request(c, { type: 'subscribe', channel: 'bench' });
            return c;
          }),
        );
      }
      clients.push(...(await within(Promise.all(batch), `connecting ${name}`)));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfter = treeRssBytes(proc.pid);
    const publisher = await open(url, () => undefined);
    const all = new Promise((resolve) => (done = resolve));
    const started = performance.now();
    for (let m = 0; m < MESSAGES; m++) {
      publisher.ws.send(JSON.stringify({ type: 'publish', channel: 'bench', data: PAYLOAD }));
    }
    await within(all, `fan-out of ${name}`);
    const seconds = (performance.now() - started) / 1000;
    for (const c of [...clients, publisher]) c.ws.terminate();
    return {
      name,
      deliveriesPerSecond: Math.round((SUBSCRIBERS * MESSAGES) / seconds),
      seconds: seconds.toFixed(2),
      bytesPerConnection: Math.round((rssAfter - rssBefore) / SUBSCRIBERS),
      rssMb: (rssAfter / 1048576).toFixed(1),
    };
  } catch (err) {
    throw new Error(`${name}: ${err.message}${tail(log)}`, { cause: err });
  } finally {
    await stopProcess(proc);
  }
}

try {
  const rows = [];
  for (const name of opts.targets.split(',')) rows.push(await run(name));
  console.log(
    `${SUBSCRIBERS} subscribers on one channel, ${MESSAGES} messages of ${PAYLOAD.length} bytes\n`,
  );
  console.log('| target | deliveries/s | fan-out time | memory per connection | RSS |');
  console.log('| ------ | ------------ | ------------ | --------------------- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.deliveriesPerSecond.toLocaleString('en')} | ${r.seconds} s | ${(r.bytesPerConnection / 1024).toFixed(1)} KiB | ${r.rssMb} MB |`,
    );
  }
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
