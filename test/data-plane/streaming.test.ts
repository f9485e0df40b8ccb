import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const GB = 1024 ** 3;
const CHUNK = Buffer.alloc(256 * 1024, 7);

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Samples a process's RSS until stopped; the peak tells whether a body was buffered whole. */
function trackPeakRss(pid: number): () => number {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssBytes(pid));
  };
}

t.test('1 GB bodies stream both ways with flat memory', async (t) => {
  const upstream = await UpstreamServer.start(t, {
    '/download': (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(GB),
      });
      let sent = 0;
      const pump = () => {
        while (sent < GB) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
    '/upload': (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(JSON.stringify({ bytes })));
    },
  });
  const gw = await startGatewayd(
    t,
    `
server:
  http_port: 0
  bind_address: 127.0.0.1
  limits: { max_body_size: 2gb }
routes:
  - path: /*
    upstream: svc
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
observability:
  logging: { level: warn }
`,
  );
  const pid = gw.proc.pid as number;
  const baseline = rssBytes(pid);

  t.test('download', async (t) => {
    const stop = trackPeakRss(pid);
    const res = await request(gw.url('/download'));
    t.equal(res.headers['content-length'], String(GB));
    let received = 0;
    for await (const chunk of res.body) received += (chunk as Buffer).length;
    const peak = stop();
    t.equal(received, GB);
    t.ok(
      peak - baseline < 200 * 1024 ** 2,
      `gateway RSS grew ${((peak - baseline) / 1024 ** 2).toFixed(0)} MB`,
    );
  });

  t.test('upload', async (t) => {
    const stop = trackPeakRss(pid);
    const res = await request(gw.url('/upload'), {
      method: 'PUT',
      body: Readable.from(
        (async function* () {
          for (let sent = 0; sent < GB; sent += CHUNK.length) yield CHUNK;
        })(),
      ),
    });
    const body = (await res.body.json()) as { bytes: number };
    const peak = stop();
    t.equal(res.statusCode, 200);
    t.equal(body.bytes, GB);
    t.ok(
      peak - baseline < 200 * 1024 ** 2,
      `gateway RSS grew ${((peak - baseline) / 1024 ** 2).toFixed(0)} MB`,
    );
  });
});
