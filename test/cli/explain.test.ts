import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawn } from 'node:child_process';
import { hash32 } from '../../engine/upstream/balancers/hash32.js';
import { routesCommand } from '../../engine/cli/routes-command.js';
import { runCommandInProcess } from '../helpers/cli-in-process.js';
import { BIN, runCli } from '../helpers/gatewayd-process.js';
import { bareNode } from '../helpers/node-process.js';

const CONFIG = `routes:
  - name: users
    path: "/api/users/{id}"
    methods: [GET, PUT]
    host: "*.example.com"
    upstream: users
    rewrite: "/internal/{id}"
  - name: users-admin
    path: "/api/users/{id}"
    methods: [DELETE]
    host: admin.example.com
    upstream: users
  - name: orders-canary
    path: /api/v1/orders/*
    match: { headers: { x-canary: "true" } }
    upstream: orders-v2
  - name: orders
    path: /api/v1/orders/*
    upstreams: [{ name: orders-v1, weight: 90 }, { name: orders-v2, weight: 10 }]
    split_on: header:x-user-id
  - { name: root, path: /, direct_response: { status: 200, body: hi } }
upstreams:
  users:
    discovery: { type: Static, endpoints: ["http://10.0.0.5:3001", "http://10.0.0.6:3001"] }
    load_balancer: { type: ConsistentHash, hash_on: "header:x-tenant" }
  orders-v1: { discovery: { type: Static, endpoints: ["http://10.0.1.1:8080"] } }
  orders-v2: { discovery: { type: Static, endpoints: ["http://10.0.2.1:8080"] } }
`;

interface Tap {
  teardown(fn: () => unknown): void;
}

function configFile(t: Tap, text = CONFIG): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-explain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

/** `gatewayd routes FILE --explain REQUEST -H HEADER...`, run in this process. */
function explain(file: string, request: string, ...headers: string[]) {
  return runCommandInProcess(() => routesCommand(file, { explain: request, header: headers }));
}

/** The same in a real gatewayd process: its arguments as the command line gives them. */
function explainSpawned(file: string, request: string, ...headers: string[]) {
  return runCli(['routes', file, '--explain', request, ...headers.flatMap((h) => ['-H', h])]);
}

/** The text after a row's label, e.g. row(out, 'pattern'). */
function row(stdout: string, label: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`  ${label.padEnd(12)}`));
  return line?.slice(14);
}

t.test('a match: the route and why, captures, upstream, endpoint, forwarded path', async (t) => {
  const file = configFile(t);
  const run = await explainSpawned(
    file,
    'GET https://api.example.com/api/users/42?x=1',
    'x-tenant: acme',
  );
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout.split('\n')[0], 'GET https://api.example.com/api/users/42?x=1');
  t.equal(row(run.stdout, 'route'), `"users" at ${file}:2:5 (routes[0])`);
  t.equal(row(run.stdout, 'host'), 'api.example.com matches *.example.com');
  t.equal(row(run.stdout, 'pattern'), '/api/users/{id}  id=42');
  t.equal(row(run.stdout, 'methods'), 'GET, PUT');
  t.match(row(run.stdout, 'filters'), /rewrite \/internal\/\{id\} → proxy ConsistentHash/);
  t.equal(row(run.stdout, 'target'), 'upstream users');
  t.match(
    row(run.stdout, 'balancer'),
    /^users: ConsistentHash over 2 endpoints \(header:x-tenant = "acme"\) → http:\/\/10\.0\.0\.[56]:3001$/,
  );
  t.match(run.stdout, 'offline: no health state, every endpoint counts as healthy');
  t.equal(row(run.stdout, 'forwards'), '/internal/42?x=1');

  const again = await explain(file, 'GET https://api.example.com/api/users/42', 'x-tenant: acme');
  t.equal(row(again.stdout, 'balancer'), row(run.stdout, 'balancer'), 'one key, one endpoint');
});

t.test('an exact host takes the request; the wildcard route is passed over', async (t) => {
  const run = await explain(configFile(t), 'DELETE https://admin.example.com/api/users/7');
  t.equal(run.code, 0);
  t.match(row(run.stdout, 'route'), /^"users-admin" at /);
  t.equal(row(run.stdout, 'host'), "admin.example.com is the route's host");
  t.equal(row(run.stdout, 'passed over'), '"users" /api/users/{id}: it takes GET, PUT only');
});

t.test('a method mismatch: 405 and the routes on that path', async (t) => {
  const run = await explain(configFile(t), 'POST https://api.example.com/api/users/42');
  t.equal(run.code, 3);
  t.equal(
    row(run.stdout, 'no match'),
    '405 METHOD_NOT_ALLOWED: the path takes GET, PUT only (Allow: GET, PUT)',
  );
  t.match(run.stdout, '"users" *.example.com /api/users/{id}: same path, other method (GET, PUT)');
  t.match(
    run.stdout,
    '"users-admin" admin.example.com /api/users/{id}: same path, other host (the request\'s is "api.example.com")',
  );
});

t.test('another host: 404 and the routes that would take the path', async (t) => {
  const run = await explain(configFile(t), 'GET http://other.org/api/users/42');
  t.equal(run.code, 3);
  t.equal(row(run.stdout, 'no match'), '404 ROUTE_NOT_FOUND: no route takes this host and path');
  t.match(
    run.stdout,
    '"users" *.example.com /api/users/{id}: same path, other host (the request\'s is "other.org")',
  );
});

t.test('nothing on the path: the longest matching prefixes', async (t) => {
  const run = await explain(configFile(t), 'GET http://x/api/v1/invoices/3');
  t.equal(run.code, 3);
  t.equal(
    row(run.stdout, 'nearest'),
    '"orders-canary" /api/v1/orders/*: longest matching prefix (2 of 4 segments)',
  );
  t.match(run.stdout, '"orders" /api/v1/orders/*: longest matching prefix (2 of 4 segments)');
  t.match(run.stdout, 'runtime routes (registered through the admin API) are not in the file');
});

t.test('conditions and a keyed split', async (t) => {
  const file = configFile(t);
  const canary = await explain(file, 'GET http://x/api/v1/orders/7', 'X-Canary: true');
  t.equal(row(canary.stdout, 'condition'), 'header x-canary=true (holds)');
  t.equal(row(canary.stdout, 'target'), 'upstream orders-v2');
  t.equal(row(canary.stdout, 'pattern'), '/api/v1/orders/*  *=7');

  const user = await explain(file, 'GET http://x/api/v1/orders/7', 'x-user-id: u1');
  t.match(row(user.stdout, 'route'), /^"orders" /);
  t.match(
    row(user.stdout, 'split'),
    /^header:x-user-id = "u1" → orders-v[12], always for this key$/,
  );
  t.equal(
    row(user.stdout, 'passed over'),
    '"orders-canary" /api/v1/orders/*: its condition header x-canary=true does not hold',
  );
  const anonymous = await explain(file, 'GET http://x/api/v1/orders/7');
  t.equal(
    row(anonymous.stdout, 'split'),
    'by weight (the request has no header:x-user-id): the first request goes to orders-v1',
  );
  t.equal(
    row(anonymous.stdout, 'balancer'),
    'orders-v1: RoundRobin over 1 endpoint → http://10.0.1.1:8080',
  );
});

t.test('a direct response, a normalised path, and bad input', async (t) => {
  const file = configFile(t);
  const root = await explain(file, 'GET /a/..');
  t.equal(row(root.stdout, 'path'), '/ (normalised from /a/..)');
  t.equal(row(root.stdout, 'target'), 'direct_response: answered by the gateway, no upstream');

  const encoded = await explain(file, 'GET /api/v1/orders/..%2Fx');
  t.equal(
    row(encoded.stdout, 'no match'),
    '400 PATH_REJECTED: the request path contains an encoded slash or backslash (%2F, %5C or \\), refused by server.paths.escaped_slashes',
  );
  const redirected = await explain(
    configFile(t, `server: { paths: { escaped_slashes: unescape_and_redirect } }\n${CONFIG}`),
    'GET /api/v1/orders/a%2Fb',
  );
  t.equal(
    row(redirected.stdout, 'redirect'),
    '307 to /api/v1/orders/a/b (server.paths.escaped_slashes)',
  );

  const bad = await explain(file, 'GET');
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'write a method and a URL');

  const invalid = await explain(
    configFile(t, 'routes:\n  - path: /x\n    upstream: nope\n'),
    'GET /x',
  );
  t.equal(invalid.code, 1);
  t.match(invalid.stderr, ':3:15: GW_ERR_CONFIG_UNDEFINED_UPSTREAM');
});

t.test('output cut short by its reader ends quietly (`routes FILE | head -1`)', async (t) => {
  const routes = Array.from(
    { length: 2000 },
    (_, i) => `  - { path: /r${i}/*, direct_response: { status: 200, body: x } }`,
  );
  const file = configFile(t, `routes:\n${routes.join('\n')}\n`);
  const child = spawn(...bareNode([BIN, 'routes', file]), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // Like `head -1`: read the first chunk, then close the pipe while the CLI is still writing.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(stderr, '', 'no EPIPE stack trace');
  t.equal(code, 0);
});

t.test(
  'a socket.io request: the endpoint its sid is tagged with, the tag off upstream',
  async (t) => {
    const file = configFile(
      t,
      `routes:
  - { path: /socket.io/*, upstream: io, websocket: socket.io }
upstreams:
  io: { discovery: { type: Static, endpoints: ["http://10.0.3.1:3002", "http://10.0.3.2:3002"] } }
`,
    );
    const tag = hash32('http://10.0.3.2:3002').toString(36);
    const tagged = await explain(file, `GET /socket.io/?EIO=4&transport=polling&sid=${tag}.Hq3`);
    t.equal(tagged.code, 0, tagged.stderr);
    t.equal(
      row(tagged.stdout, 'session'),
      `socket.io sid tagged "${tag}" → http://10.0.3.2:3002, the endpoint that opened the session`,
    );
    t.equal(row(tagged.stdout, 'balancer'), undefined, 'the balancer has no say');
    t.equal(row(tagged.stdout, 'forwards'), '/socket.io/?EIO=4&transport=polling&sid=Hq3');
    const unknown = await explain(file, 'GET /socket.io/?EIO=4&transport=polling&sid=zz.Hq3');
    t.match(row(unknown.stdout, 'session'), 'names no endpoint of io: the balancer picks one');
    const handshake = await explain(file, 'GET /socket.io/?EIO=4&transport=polling');
    t.match(row(handshake.stdout, 'balancer'), 'io: RoundRobin over 2 endpoints');
  },
);
