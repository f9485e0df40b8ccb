import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { sign } from '../filters/auth/fixtures/tokens.js';
import { BIN, startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { bareNode } from '../helpers/node-process.js';

const SECRET = 'logs-test-secret-of-at-least-32-bytes!';
const API_KEY = 'gw_live_4f1c9d2b7a6e8f3c0b5d';
const WRONG_KEY = 'gw_live_0000000000000000dead';

t.test('credentials a client sends never appear in the logs, even at trace level', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /api/*
    upstream: echo
    auth_required: true
upstreams:
  echo:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
auth:
  jwt: { secret: ${SECRET}, algorithm: HS256 }
  api_keys:
    keys:
      - { name: billing-app, hash: "${hashApiKey(API_KEY)}" }
middleware:
  rate_limiting: { default_limit: 100/minute }
observability:
  logging: { level: trace, access_log: true }
`,
    { args: ['--log-level', 'trace'] },
  );
  const jwt = await sign({ sub: 'alice' }, Buffer.from(SECRET), { alg: 'HS256' });
  const forged = await sign({ sub: 'mallory' }, Buffer.from(`${SECRET}?`), { alg: 'HS256' });
  const session = 'sess_9b8c7d6e5f4a3b2c1d0e';
  const calls: Array<[string, Record<string, string>, number]> = [
    ['/api/a', { authorization: `Bearer ${jwt}`, cookie: `session=${session}` }, 200],
    ['/api/b', { authorization: `Bearer ${forged}` }, 401],
    ['/api/c', { 'x-api-key': API_KEY }, 200],
    ['/api/d', { 'x-api-key': WRONG_KEY }, 401],
    [`/api/e?access_token=${jwt}&api_key=${API_KEY}`, { authorization: `Bearer ${jwt}` }, 200],
    [
      '/api/f',
      { authorization: `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}` },
      401,
    ],
  ];
  for (const [path, headers, status] of calls) {
    const res = await request(gw.url(path), { headers });
    await res.body.dump();
    t.equal(res.statusCode, status, path.split('?')[0] as string);
  }
  await gw.waitForLog((l) => l.msg === 'request' && l.path === '/api/f');
  const output = gw.logs.map((l) => JSON.stringify(l)).join('\n') + gw.stderr;
  for (const secret of [jwt, forged, API_KEY, WRONG_KEY, session, SECRET]) {
    t.notOk(output.includes(secret), `${secret.slice(0, 12)}… is in no log line`);
  }
  t.ok(
    gw.logs.some((l) => l.msg === 'auth refused'),
    'refusals were logged (their reason, not the credential)',
  );

  const access = gw.logs.filter((l) => l.msg === 'request');
  t.match(
    access.find((l) => l.path === '/api/a'),
    {
      subject: 'alice',
      auth_method: 'jwt',
      retries: 0,
      rate_limit: 'allowed',
      status: 200,
    },
  );
  t.match(
    access.find((l) => l.path === '/api/c'),
    { subject: 'billing-app', auth_method: 'api_key' },
  );
  const refused = access.find((l) => l.path === '/api/b');
  t.equal(refused?.subject, undefined, 'no subject for a refused credential');
  t.equal(refused?.rate_limit, undefined, 'refused before the rate limit');
  t.equal(
    access.find((l) => l.path === '/api/e')?.path,
    '/api/e',
    'the query string is not logged',
  );
  t.equal(access[0]?.trace_id, undefined, 'no trace id while tracing is off');
});

t.test('a refused rate limit and its fallback are in the access log', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /limited
    direct_response: { status: 200, body: ok }
middleware:
  rate_limiting:
    default_limit: 1/minute
    storage: { type: Redis, url: "redis://127.0.0.1:9" }
    on_store_error: local
observability:
  logging: { level: info, access_log: true }
`,
  );
  for (const expected of [200, 429]) {
    const res = await request(gw.url('/limited'));
    await res.body.dump();
    t.equal(res.statusCode, expected);
  }
  await gw.waitForLog((l) => l.msg === 'request' && l.status === 429);
  const access = gw.logs.filter((l) => l.msg === 'request');
  t.match(access, [
    { rate_limit: 'allowed', rate_limit_fallback: 'local' },
    { rate_limit: 'refused', rate_limit_fallback: 'local' },
  ]);
});

t.test('format: pretty writes readable lines instead of JSON', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-pretty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /hello
    direct_response: { status: 200, body: hi }
observability:
  logging: { format: pretty }
`,
  );
  const proc = spawn(...bareNode([BIN, '--config', file]));
  t.teardown(() => proc.kill('SIGKILL'));
  let out = '';
  let notify = () => {};
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${out}`)), 10_000);
      notify = () => {
        const match = out.match(pattern);
        if (!match) return;
        clearTimeout(timer);
        notify = () => {};
        resolve(match);
      };
      notify();
    });
  const listening = await waitFor(/gatewayd listening\n(?:.*\n)*?\s+port: (\d+)/);
  const res = await request(`http://127.0.0.1:${listening[1]}/hello`);
  t.equal(await res.body.text(), 'hi');
  await waitFor(/INFO \(\d+\): request\n/);
  t.match(out, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO \(\d+\): config loaded/);
  t.match(out, /\n\s+path: "\/hello"\n/);
  t.notOk(
    out.split('\n').some((line) => line.startsWith('{')),
    'no JSON line',
  );
});

t.test('output: {type: Stderr} writes the JSON lines on standard error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-stderr-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /hello
    direct_response: { status: 200, body: hi }
observability:
  logging: { output: { type: Stderr } }
`,
  );
  const proc = spawn(...bareNode([BIN, '--config', file]));
  t.teardown(() => proc.kill('SIGKILL'));
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const listening = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening: ${err}`)), 10_000);
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const line = err
        .split('\n')
        .find((l) => l.startsWith('{') && l.includes('"gatewayd listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { port: number });
    });
  });
  const res = await request(`http://127.0.0.1:${listening.port}/hello`);
  t.equal(await res.body.text(), 'hi');
  t.equal(out, '', 'nothing on standard output');
});
