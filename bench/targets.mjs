// The servers the harness can measure. To add one, append an entry to TARGETS (see README.md).
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import YAML from 'yaml';
import {
  freePort,
  onPath,
  startProcess,
  stopProcess,
  tail,
  waitListening,
  waitReady,
} from './lib/process.mjs';

// Whatever is measured gets CPU 0 to itself; wrk and the shared origin share CPU 1.
export const CPU = { target: 0, loadgen: 1 };

const BENCH_SECRET = 'bench-only-secret-of-at-least-32-bytes';

/** Headers for targets whose route needs a token: a JWT the gateway verifies (then caches). */
export const AUTHORIZED = async () => {
  const token = await new SignJWT({ sub: 'bench-user', roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('bench')
    .setExpirationTime('2h')
    .sign(Buffer.from(BENCH_SECRET));
  return { authorization: `Bearer ${token}` };
};

const HMAC_SECRET = 'bench-only-hmac-secret-0123456789';

/** The wrk script of the POST targets: one JSON body, the same on every request. */
const POST_SCRIPT = join(import.meta.dirname, 'lua/post-json.lua');

/** The headers of examples/plugins/hmac-signature.ts for `GET /`, signed now. */
async function signedRequest() {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID();
  const signature = createHmac('sha256', HMAC_SECRET)
    .update(`GET\n/\n${timestamp}\n${nonce}`)
    .digest('hex');
  return {
    'x-signature': signature,
    'x-signature-timestamp': timestamp,
    'x-signature-nonce': nonce,
  };
}

/** The base route behind JWT auth and a rate limit that never refuses at bench rates. */
function accessControl() {
  return {
    auth: { jwt: { secret: BENCH_SECRET, algorithm: 'HS256', issuer: 'bench' } },
    middleware: { rate_limiting: { default_limit: '1000000000/minute', key: 'ip' } },
    routes: [{ path: '/*', upstream: 'origin', auth_required: true }],
  };
}

/**
 * The "full pipeline": JWT auth with a required role, a memory rate limit that never
 * refuses, and Prometheus metrics collected (nothing scrapes during the run).
 */
export function fullPipeline() {
  const base = accessControl();
  return {
    ...base,
    server: { metrics_port: 0 },
    observability: { metrics: { prometheus_enabled: true } },
    routes: [{ ...base.routes[0], required_roles: ['user'] }],
  };
}

/** Targets every "subject" (gatewayd variant) is compared against, in report order. */
export const BASELINES = [
  'nginx-proxy',
  'nginx-https-proxy',
  'fastify-proxy',
  'bare-uws-undici',
  'direct',
];

/**
 * name: unique, used by --targets. start(ctx) resolves to { proc, port, log } once the target
 * answers 200 on / (or rejects, which skips it). subject: gets ratio rows in the report.
 * configurable: accepts --override NAME=fragment.yaml, deep-merged into its gateway.yaml.
 * ctx: { root, tmp, originPort, fragmentFor(name), redisUrl?, otlpUrl? }, built in run.mjs.
 */
export const TARGETS = [
  gatewayd('gatewayd'),
  // At level info: the base config's warn would drop every access log line unwritten.
  gatewayd(
    'gatewayd+accesslog',
    { observability: { logging: { level: 'info', access_log: true } } },
    '/dev/null',
  ),
  gatewayd('gatewayd+resilience', {
    upstreams: {
      origin: {
        health_check: { path: '/', interval: '1s' },
        circuit_breaker: { failure_threshold: 5, timeout: '10s' },
        retries: { attempts: 3, on: ['connect_error', 'reset', 'timeout', 502, 503, 504] },
        load_balancer: { type: 'LeastRequest' },
      },
    },
  }),
  gatewayd('gatewayd+jwt+ratelimit', accessControl(), undefined, undefined, AUTHORIZED),
  gatewayd('gatewayd+full', fullPipeline(), undefined, undefined, AUTHORIZED),
  gatewayd(
    'gatewayd+jwt+ratelimit-redis',
    (ctx) => ({ ...accessControl(), redis: { url: ctx.redisUrl } }),
    undefined,
    undefined,
    AUTHORIZED,
    { needsRedis: true },
  ),
  gatewayd('gatewayd+metrics', {
    server: { metrics_port: 0 },
    observability: { metrics: { prometheus_enabled: true } },
  }),
  // The base route behind a memory cache: the first request stores the origin's answer (it has
  // no Cache-Control, so the route's ttl keeps it for the run) and every later one is a hit.
  gatewayd('gatewayd+cache', {
    routes: [{ path: '/*', upstream: 'origin', cache: { ttl: '1h' } }],
  }),
  // Compression's cost per KiB: the same 16 KiB JSON answer sent as it is, gzip'd and brotli'd
  // (a direct response, so the origin's 2-byte body does not matter).
  gatewayd('gatewayd+body16k', body16k(false)),
  gatewayd('gatewayd+gzip16k', body16k(true), undefined, undefined, acceptEncoding('gzip')),
  gatewayd('gatewayd+br16k', body16k(true), undefined, undefined, acceptEncoding('br')),
  // A plugin whose request step does nothing, on the base route: what the plugin fence costs.
  gatewayd('gatewayd+plugin-noop', (ctx) => ({
    plugins: [{ name: 'noop', module: join(ctx.root, 'bench/plugins/noop.mjs') }],
    routes: [{ path: '/*', upstream: 'origin', plugins: ['noop'] }],
  })),
  // examples/plugins' HMAC check on every request (one signed request repeated, so replays are
  // allowed: the signature's cost without the nonce store).
  gatewayd(
    'gatewayd+plugin-hmac',
    (ctx) => ({
      plugins: [
        {
          name: 'hmac',
          module: join(ctx.root, 'examples/plugins/hmac-signature.ts'),
          config: { secret: HMAC_SECRET, max_skew_seconds: 3600, reject_replays: false },
        },
      ],
      routes: [{ path: '/*', upstream: 'origin', plugins: ['hmac'] }],
    }),
    undefined,
    undefined,
    signedRequest,
  ),
  // A POST of a ~850-byte JSON body, as it is (streamed through) and checked against an
  // OpenAPI 3.1 operation (read whole, validated, those bytes sent): what validation costs.
  gatewayd('gatewayd+post', {}, undefined, undefined, undefined, { script: POST_SCRIPT }),
  gatewayd(
    'gatewayd+openapi-post',
    (ctx) => ({
      openapi_documents: [{ name: 'bench', file: join(ctx.root, 'bench/openapi/bench.yaml') }],
      routes: [{ path: '/*', upstream: 'origin', openapi_validation: 'bench' }],
    }),
    undefined,
    undefined,
    undefined,
    { script: POST_SCRIPT },
  ),
  tracing('gatewayd+tracing10', 0.1),
  // Every request unsampled: what tracing costs the requests it does not record.
  tracing('gatewayd+tracing0', 0),
  // HTTPS on the client side (keep-alive, so mostly record encryption, few handshakes), with
  // nginx-https-proxy on the same certificate as its peer; the origin stays plain HTTP.
  gatewayd('gatewayd+https', (ctx) => httpsFragment(ctx), undefined, undefined, undefined, {
    scheme: 'https',
  }),
  { name: 'nginx-proxy', start: startNginxProxy },
  { name: 'nginx-https-proxy', start: startNginxHttpsProxy },
  { name: 'fastify-proxy', start: (ctx) => startNodePeer(ctx, 'fastify-proxy') },
  { name: 'bare-uws-undici', start: (ctx) => startNodePeer(ctx, 'bare-uws-undici') },
  { name: 'direct', start: (ctx) => startOrigin(ctx, 'direct', CPU.target) },
];

/** 16 KiB of JSON answered by the gateway itself, compressed at the default level or not. */
function body16k(compressed) {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < 16 * 1024; i++) {
    items.push({ id: i, name: `item ${i}`, price: (i * 37) % 1000, tags: ['bench', `t${i % 7}`] });
  }
  return {
    ...(compressed ? { middleware: { compression: {} } } : {}),
    routes: [
      {
        path: '/*',
        direct_response: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(items),
        },
      },
    ],
  };
}

function acceptEncoding(coding) {
  return async () => ({ 'accept-encoding': coding });
}

/** gatewayd tracing a share of its requests to a collector that discards them. */
function tracing(name, samplingRate) {
  return gatewayd(
    name,
    (ctx) => ({
      observability: {
        tracing: {
          enabled: true,
          sampling_rate: samplingRate,
          backend: { type: 'OTLP', endpoint: ctx.otlpUrl },
        },
      },
    }),
    undefined,
    undefined,
    undefined,
    { needsOtlpSink: true },
  );
}

/**
 * `gatewayd` as built in another checkout (say a git worktree of the commit before a change), so
 * that a change's cost is measured against its parent in the same run.
 */
export function gatewaydBefore(root) {
  return { ...gatewayd(BEFORE, {}, undefined, root), subject: false };
}

export const BEFORE = 'gatewayd@before';

export function originKind() {
  return onPath('nginx') ? 'nginx' : 'uWebSockets.js';
}

/** The upstream that answers 200 "ok": nginx when installed, else a uWS hello server. */
export async function startOrigin(ctx, name, cpu) {
  const port = await freePort();
  if (originKind() === 'nginx') {
    const server = `server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } }`;
    return startNginx(ctx, name, cpu, port, server);
  }
  return launch(ctx, name, cpu, port, process.execPath, [peer('uws-origin.mjs'), String(port)]);
}

/**
 * A gatewayd target: the base config below, then `fragment` (an object, or a function of ctx),
 * then any --override fragment. stdout: where the process's stdout (its logs) goes; by default
 * the target's log file. headers: an async function giving the headers every request carries.
 */
function gatewayd(name, fragment = {}, stdout, root, headers, extra = {}) {
  return {
    name,
    subject: true,
    configurable: true,
    ...extra,
    // What it is launched with, for the allocation harness's own launch (bench/alloc.mjs).
    launch: { name, fragment, stdout, headers },
    start: (ctx) =>
      startGatewayd(ctx, { name, fragment, stdout, root, headers, scheme: extra.scheme }),
  };
}

/**
 * Starts bin/gatewayd of `root` (default: this checkout) with the base config merged with
 * `fragment` and the target's --override; `nodeArgs` and `env` go to its node process (the
 * allocation probe, --cpu-prof). Resolves to launch()'s result plus the request headers.
 */
export async function startGatewayd(
  ctx,
  { name, fragment = {}, stdout, root, headers, nodeArgs = [], env, scheme = 'http' },
) {
  const bin = join(root ?? ctx.root, 'bin', 'gatewayd');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist yet`);
  const port = await freePort();
  const own = typeof fragment === 'function' ? fragment(ctx) : fragment;
  // An HTTPS target is measured on its https_port; the plain listener gets a port of its own.
  const listeners =
    scheme === 'https' ? { server: { http_port: await freePort(), https_port: port } } : {};
  const config = deepMerge(
    deepMerge(deepMerge(gatewaydBaseConfig(port, ctx.originPort), listeners), own),
    ctx.fragmentFor?.(name) ?? {},
  );
  const file = join(ctx.tmp, `${name}.yaml`);
  writeFileSync(file, YAML.stringify(config));
  const requestHeaders = headers ? await headers() : {};
  const args = [...nodeArgs, bin, '--config', file];
  const run = await launch(ctx, name, CPU.target, port, process.execPath, args, {
    stdout,
    headers: requestHeaders,
    env,
    scheme,
  });
  return { ...run, headers: requestHeaders };
}

/** A private redis-server for targets that count in Redis, on the load generator's CPU. */
export async function startRedisServer(ctx) {
  if (!onPath('redis-server')) throw new Error('redis-server is not on PATH');
  const port = await freePort();
  const log = logFile(ctx, 'redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const proc = startProcess('redis-server', args, { cpu: CPU.loadgen, stdout: log, stderr: log });
  await waitListening(port, proc);
  return { proc, port, url: `redis://127.0.0.1:${port}` };
}

/** A collector that discards spans, for targets that trace, on the load generator's CPU. */
export async function startOtlpSink(ctx) {
  const port = await freePort();
  const log = logFile(ctx, 'otlp-sink');
  const proc = startProcess(process.execPath, [peer('otlp-sink.mjs'), String(port)], {
    cpu: CPU.loadgen,
    stdout: log,
    stderr: log,
  });
  await waitListening(port, proc);
  return { proc, port, url: `http://127.0.0.1:${port}/v1/traces` };
}

function gatewaydBaseConfig(port, originPort) {
  return {
    server: { http_port: port, bind_address: '127.0.0.1', workers: 1 },
    routes: [{ path: '/*', upstream: 'origin' }],
    upstreams: {
      origin: {
        discovery: { type: 'Static', endpoints: [`http://127.0.0.1:${originPort}`] },
      },
    },
    observability: { logging: { level: 'warn', access_log: false } },
  };
}

/** One self-signed P-256 certificate per run, shared by the HTTPS targets. */
function benchCertificate(ctx) {
  const cert = join(ctx.tmp, 'bench-cert.pem');
  const key = join(ctx.tmp, 'bench-key.pem');
  if (!existsSync(cert)) {
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-days', '2', '-subj', '/CN=localhost', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
  }
  return { cert, key };
}

/** gatewayd+https's certificate; startGatewayd puts the measured port on https_port. */
function httpsFragment(ctx) {
  const { cert, key } = benchCertificate(ctx);
  return { server: { tls: { cert_file: cert, key_file: key } } };
}

async function startNginxHttpsProxy(ctx) {
  if (!onPath('openssl')) throw new Error('openssl is not on PATH');
  const { cert, key } = benchCertificate(ctx);
  const port = await freePort();
  const server = `
    upstream origin {
      server 127.0.0.1:${ctx.originPort};
      keepalive 64;
      keepalive_requests 1000000;
    }
    server {
      listen 127.0.0.1:${port} ssl;
      ssl_certificate ${cert};
      ssl_certificate_key ${key};
      ssl_protocols TLSv1.2 TLSv1.3;
      location / {
        proxy_pass http://origin;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
      }
    }`;
  return startNginx(ctx, 'nginx-https-proxy', CPU.target, port, server, 'https');
}

async function startNginxProxy(ctx) {
  const port = await freePort();
  const server = `
    upstream origin {
      server 127.0.0.1:${ctx.originPort};
      keepalive 64;
      keepalive_requests 1000000;
    }
    server {
      listen 127.0.0.1:${port};
      location / {
        proxy_pass http://origin;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
      }
    }`;
  return startNginx(ctx, 'nginx-proxy', CPU.target, port, server);
}

/**
 * A proxy written as a script in peers/, taking PORT and the origin's URL; `nodeArgs` and `env`
 * go to its node process, as for startGatewayd.
 */
export async function startNodePeer(ctx, name, { nodeArgs = [], env } = {}) {
  const port = await freePort();
  const args = [
    ...nodeArgs,
    peer(`${name}.mjs`),
    String(port),
    `http://127.0.0.1:${ctx.originPort}`,
  ];
  return launch(ctx, name, CPU.target, port, process.execPath, args, { env });
}

/** One foreground nginx master with one worker, everything it writes kept under tmp. */
async function startNginx(ctx, name, cpu, port, serverBlocks, scheme = 'http') {
  if (!onPath('nginx')) throw new Error('nginx is not on PATH');
  const prefix = join(ctx.tmp, name);
  mkdirSync(prefix, { recursive: true });
  const log = logFile(ctx, name);
  // keepalive_requests is raised so no server recycles connections mid-run (default 1000).
  const conf = `
    worker_processes 1;
    pid nginx.pid;
    error_log ${log} warn;
    worker_rlimit_nofile 16384;
    events { worker_connections 8192; }
    http {
      access_log off;
      keepalive_requests 1000000;
      client_body_temp_path client_body;
      proxy_temp_path proxy;
      fastcgi_temp_path fastcgi;
      uwsgi_temp_path uwsgi;
      scgi_temp_path scgi;
      ${serverBlocks}
    }\n`;
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(confFile, conf);
  const args = ['-p', `${prefix}/`, '-c', confFile, '-e', log, '-g', 'daemon off;'];
  return launch(ctx, name, cpu, port, 'nginx', args, { scheme });
}

/** Starts a server process and waits until it answers; on failure stops it and says why. */
async function launch(
  ctx,
  name,
  cpu,
  port,
  cmd,
  args,
  { stdout, headers = {}, env, scheme = 'http' } = {},
) {
  const log = logFile(ctx, name);
  const proc = startProcess(cmd, args, {
    cpu,
    cwd: ctx.root,
    env,
    stdout: stdout ?? log,
    stderr: log,
  });
  try {
    await waitReady(port, proc, '/', headers, scheme);
  } catch (err) {
    await stopProcess(proc);
    throw new Error(`${err.message}${tail(log)}`, { cause: err });
  }
  return { proc, port, log, scheme };
}

function logFile(ctx, name) {
  return join(ctx.tmp, `${name}.log`);
}

function peer(file) {
  return join(import.meta.dirname, 'peers', file);
}

/** Objects merge key by key; anything else (arrays included) in `over` replaces. */
export function deepMerge(base, over) {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
