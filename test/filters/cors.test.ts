import t from 'tap';
import {
  checkCorsSettings,
  createCors,
  type CorsSettings,
} from '../../engine/filters/cors/cors.js';
import { GatewayError } from '../../engine/errors/gateway-error.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

function get(headers: HeaderList, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

function corsHeaderNames(headers: HeaderList): string[] {
  return headers.map(([n]) => n).filter((n) => n.startsWith('access-control-'));
}

const listed: CorsSettings = {
  allowedOrigins: ['https://app.example.org', 'https://*.example.com'],
  allowedMethods: ['GET', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Authorization'],
  exposedHeaders: ['X-Request-ID', 'X-RateLimit-Remaining'],
  maxAgeSeconds: 600,
};

t.test('exact origin', async (t) => {
  const cors = createCors(listed);
  const h = cors.actual('https://app.example.org');
  t.equal(get(h, 'access-control-allow-origin'), 'https://app.example.org', 'echoed');
  t.equal(get(h, 'vary'), 'Origin', 'Vary: Origin');
  t.equal(get(h, 'access-control-expose-headers'), 'X-Request-ID, X-RateLimit-Remaining');
  t.equal(get(h, 'access-control-allow-credentials'), undefined, 'no credentials header');
  t.equal(
    get(cors.actual('HTTPS://APP.EXAMPLE.ORG'), 'access-control-allow-origin'),
    'HTTPS://APP.EXAMPLE.ORG',
    'compared without case',
  );
  t.same(corsHeaderNames(cors.actual('https://app.example.org:8443')), [], 'other port refused');
  t.same(corsHeaderNames(cors.actual('http://app.example.org')), [], 'other scheme refused');
});

t.test('wildcard subdomain', async (t) => {
  const cors = createCors(listed);
  const allowed = (o: string) => get(cors.actual(o), 'access-control-allow-origin') === o;
  t.ok(allowed('https://a.example.com'), 'one level');
  t.ok(allowed('https://a.b.c.example.com'), 'deep subdomain');
  t.ok(allowed('https://api.example.com'), 'a label of several characters');
  t.ok(allowed('https://api.eu-west.example.com'), 'deep, each label of several characters');
  t.notOk(allowed('https://example.com'), 'bare domain');
  t.notOk(allowed('http://a.example.com'), 'other scheme');
  t.notOk(allowed('https://evilexample.com'), 'suffix without a dot');
  t.notOk(allowed('https://example.com.evil.com'), 'domain as a prefix of another');
  t.notOk(allowed('https://a.example.com:8443'), 'a port the pattern does not name');
  t.notOk(allowed('https://.example.com'), 'empty label');
  t.notOk(allowed('https://evil.com/.example.com'), 'a path posing as a label');
  t.notOk(allowed('https://evil.com@a.example.com'), 'userinfo');
});

t.test('wildcard subdomain with a port', async (t) => {
  const cors = createCors({ allowedOrigins: ['https://*.example.com:8443'] });
  const allowed = (o: string) => get(cors.actual(o), 'access-control-allow-origin') === o;
  t.ok(allowed('https://a.example.com:8443'), 'same port');
  t.notOk(allowed('https://a.example.com'), 'no port');
  t.notOk(allowed('https://a.example.com:9443'), 'other port');
});

t.test('"*" without credentials answers "*" whatever the origin', async (t) => {
  const cors = createCors({
    allowedOrigins: ['*'],
    allowedHeaders: ['Content-Type'],
    exposedHeaders: ['X-Request-ID'],
  });
  const h = cors.actual('https://anyone.test');
  t.equal(get(h, 'access-control-allow-origin'), '*');
  t.equal(get(h, 'vary'), undefined, 'no Vary: the answer does not depend on Origin');
  t.equal(get(h, 'access-control-expose-headers'), 'X-Request-ID');
  t.same(cors.actual(undefined), h, 'the same list without an Origin');
  const p = cors.preflight('https://anyone.test', 'PUT', 'content-type');
  t.ok(p !== null && !(p instanceof GatewayError), 'preflight allowed');
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-allow-origin'), '*');
  t.equal(get(p.headers, 'vary'), undefined, 'no Vary on the preflight either');
});

t.test('credentials echo the origin and add Vary: Origin', async (t) => {
  const cors = createCors({ ...listed, allowCredentials: true });
  const h = cors.actual('https://a.example.com');
  t.equal(get(h, 'access-control-allow-origin'), 'https://a.example.com', 'origin echoed, not *');
  t.equal(get(h, 'access-control-allow-credentials'), 'true');
  t.equal(get(h, 'vary'), 'Origin');
  const p = cors.preflight('https://a.example.com', 'PUT', 'Content-Type');
  t.ok(p !== null && !(p instanceof GatewayError), 'preflight allowed');
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-allow-origin'), 'https://a.example.com');
  t.equal(get(p.headers, 'access-control-allow-credentials'), 'true');
  t.equal(get(p.headers, 'vary'), 'Origin');
});

t.test('a disallowed or missing origin gets no CORS header', async (t) => {
  const cors = createCors({ ...listed, allowCredentials: true });
  t.same(corsHeaderNames(cors.actual('https://evil.test')), [], 'disallowed: none');
  t.same(cors.actual('https://evil.test'), [['vary', 'Origin']], 'only Vary, for shared caches');
  t.same(cors.actual(undefined), [['vary', 'Origin']], 'no Origin: only Vary');
  t.same(cors.actual(''), [['vary', 'Origin']], 'empty Origin: only Vary');
  const p = cors.preflight('https://evil.test', 'GET', undefined);
  t.ok(p instanceof GatewayError, 'preflight refused');
  if (!(p instanceof GatewayError)) return;
  t.equal(p.code, 'FORBIDDEN');
  t.equal(p.status, 403);
  t.same(corsHeaderNames(p.headers), [], 'refusal carries no CORS header');
  t.match(p.message, /origin https:\/\/evil\.test is not allowed/);
});

t.test('preflight: allowed answer', async (t) => {
  const cors = createCors(listed);
  const p = cors.preflight('https://app.example.org', 'DELETE', 'authorization, Content-Type');
  t.ok(p !== null && !(p instanceof GatewayError), 'allowed');
  if (p === null || p instanceof GatewayError) return;
  t.equal(p.status, 204);
  t.equal(get(p.headers, 'access-control-allow-origin'), 'https://app.example.org');
  t.equal(get(p.headers, 'access-control-allow-methods'), 'GET, POST, PUT, DELETE');
  t.equal(get(p.headers, 'access-control-allow-headers'), 'content-type, authorization');
  t.equal(get(p.headers, 'access-control-max-age'), '600', 'max age');
  t.equal(get(p.headers, 'access-control-expose-headers'), undefined, 'expose only on responses');
});

t.test('preflight: no max age unless configured', async (t) => {
  const cors = createCors({ allowedOrigins: ['*'] });
  const p = cors.preflight('https://x.test', 'GET', undefined);
  t.ok(p !== null && !(p instanceof GatewayError));
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-max-age'), undefined);
  t.equal(
    get(p.headers, 'access-control-allow-methods'),
    'GET, HEAD, PUT, POST, DELETE, PATCH',
    'default methods',
  );
});

t.test('preflight: disallowed method', async (t) => {
  const cors = createCors(listed);
  const p = cors.preflight('https://app.example.org', 'PATCH', undefined);
  t.ok(p instanceof GatewayError, 'refused');
  t.match((p as GatewayError).message, /method PATCH is not allowed/);
  t.same(corsHeaderNames((p as GatewayError).headers), [], 'no CORS header');
});

t.test('preflight: no allowed headers by default', async (t) => {
  const cors = createCors({ allowedOrigins: ['*'] });
  t.ok(cors.preflight('https://x.test', 'PUT', 'content-type') instanceof GatewayError);
});

t.test('preflight: safelisted methods are never refused', async (t) => {
  const cors = createCors({ ...listed, allowedMethods: ['PUT'] });
  const p = cors.preflight('https://app.example.org', 'GET', 'content-type');
  t.notOk(p instanceof GatewayError, 'GET with a custom header');
});

t.test('preflight: disallowed header', async (t) => {
  const cors = createCors(listed);
  const p = cors.preflight('https://app.example.org', 'POST', 'Content-Type, X-Secret');
  t.ok(p instanceof GatewayError, 'refused');
  t.match((p as GatewayError).message, /request header x-secret is not allowed/);
});

t.test('preflight: "*" headers and methods echo what was asked', async (t) => {
  const cors = createCors({
    allowedOrigins: ['https://app.example.org'],
    allowedMethods: ['*'],
    allowedHeaders: ['*'],
    allowCredentials: true,
  });
  const p = cors.preflight('https://app.example.org', 'PURGE', 'X-One,  x-two ,');
  t.ok(p !== null && !(p instanceof GatewayError), 'allowed');
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-allow-methods'), 'PURGE');
  t.equal(get(p.headers, 'access-control-allow-headers'), 'x-one, x-two');
  t.equal(
    get(p.headers, 'vary'),
    'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  );
  const bad = cors.preflight('https://app.example.org', 'GET', 'x-one, bad header');
  t.ok(bad instanceof GatewayError, 'a header name that is not a token is refused');
});

t.test('preflight: not a preflight', async (t) => {
  const cors = createCors(listed);
  t.equal(cors.preflight(undefined, 'GET', undefined), null, 'no Origin');
  t.equal(cors.preflight('https://app.example.org', undefined, undefined), null, 'no ACRM');
});

t.test('checkCorsSettings: credentials with "*" is a config error', async (t) => {
  const problems = checkCorsSettings({ allowedOrigins: ['*'], allowCredentials: true });
  t.equal(problems.length, 1);
  t.match(problems[0], /credentials cannot be allowed for the origin "\*"/);
  t.throws(() => createCors({ allowedOrigins: ['*'], allowCredentials: true }), /invalid CORS/);
});

t.test('checkCorsSettings: origins that can never match', async (t) => {
  const check = (o: string) => checkCorsSettings({ allowedOrigins: [o] });
  t.same(check('https://a.com'), [], 'exact origin');
  t.same(check('https://*.example.com'), [], 'wildcard');
  t.same(check('http://localhost:3000'), [], 'localhost with a port');
  t.same(check('https://[::1]:8443'), [], 'IPv6 literal');
  t.match(check('https://a.com/'), [/path or a trailing slash/]);
  t.match(check('a.com'), [/no scheme/]);
  t.match(check('https://a.com:443'), [/default port/]);
  t.match(check('https://a.com:99999'), [/invalid port/]);
  t.match(check('https://*.com'), [/too broad/]);
  t.match(check('https://a.*.com'), [/"\*" in an unsupported place/]);
  t.match(check('null'), [/sandboxed/]);
  t.match(checkCorsSettings({ allowedOrigins: [] }), [/no allowed origin/]);
});

t.test('checkCorsSettings: tokens and max age', async (t) => {
  const base = { allowedOrigins: ['https://a.com'] };
  t.match(checkCorsSettings({ ...base, allowedMethods: ['GET', 'BAD METHOD'] }), [
    /allowed method "BAD METHOD"/,
  ]);
  t.match(checkCorsSettings({ ...base, allowedHeaders: ['X-Ok', 'x:bad'] }), [
    /allowed header "x:bad"/,
  ]);
  t.match(checkCorsSettings({ ...base, allowCredentials: true, exposedHeaders: ['*'] }), [
    /exposed header "\*" is not a wildcard/,
  ]);
  t.same(checkCorsSettings({ ...base, exposedHeaders: ['*'] }), [], '"*" fine without credentials');
  t.match(checkCorsSettings({ ...base, maxAgeSeconds: -1 }), [/max age -1/]);
  t.match(checkCorsSettings({ ...base, maxAgeSeconds: 1.5 }), [/max age 1.5/]);
});

t.test('seed 001 middleware.cors compiles', async (t) => {
  const settings = {
    allowedOrigins: ['*'],
    allowedMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization'],
    maxAgeSeconds: 3600,
  };
  t.same(checkCorsSettings(settings), []);
  const p = createCors(settings).preflight('http://localhost:3000', 'POST', 'content-type');
  t.ok(p !== null && !(p instanceof GatewayError));
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-max-age'), '3600');
});

// Exact header lists: a header the policy does not ask for (an empty allow-headers, a stray
// max-age, credentials nobody allowed) is as much a fault as a missing one.
t.test('preflight and response headers are exactly these, nothing more', async (t) => {
  const defaults = createCors({ allowedOrigins: ['*'] });
  t.strictSame(
    defaults.preflight('https://x.test', 'GET', undefined),
    {
      status: 204,
      headers: [
        ['access-control-allow-origin', '*'],
        ['access-control-allow-methods', 'GET, HEAD, PUT, POST, DELETE, PATCH'],
      ],
    },
    'defaults: no Vary, credentials, allowed headers or max age',
  );
  t.strictSame(
    createCors({ allowedOrigins: ['https://app.example.org'] }).actual('https://app.example.org'),
    [
      ['access-control-allow-origin', 'https://app.example.org'],
      ['vary', 'Origin'],
    ],
    'a response without exposed headers lists none',
  );
  const stars = createCors({
    allowedOrigins: ['https://app.example.org'],
    allowedMethods: ['*'],
    allowedHeaders: ['*'],
  });
  const vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  t.strictSame(
    stars.preflight('https://app.example.org', 'PURGE', 'X-One'),
    {
      status: 204,
      headers: [
        ['access-control-allow-origin', 'https://app.example.org'],
        ['access-control-allow-methods', 'PURGE'],
        ['access-control-allow-headers', 'x-one'],
        ['vary', vary],
      ],
    },
    '"*" methods and headers: only what was asked, never a literal "*"',
  );
  t.strictSame(
    stars.preflight('https://app.example.org', 'GET', undefined),
    {
      status: 204,
      headers: [
        ['access-control-allow-origin', 'https://app.example.org'],
        ['access-control-allow-methods', 'GET'],
        ['vary', vary],
      ],
    },
    '"*" headers and none asked: no allow-headers',
  );
});

t.test('preflight: HEAD and POST are safelisted too', async (t) => {
  const cors = createCors({ allowedOrigins: ['https://app.example.org'], allowedMethods: ['PUT'] });
  const answer = {
    status: 204,
    headers: [
      ['access-control-allow-origin', 'https://app.example.org'],
      ['vary', 'Origin'],
      ['access-control-allow-methods', 'PUT'],
    ],
  };
  t.strictSame(cors.preflight('https://app.example.org', 'HEAD', undefined), answer, 'HEAD');
  t.strictSame(cors.preflight('https://app.example.org', 'POST', undefined), answer, 'POST');
  t.ok(cors.preflight('https://app.example.org', 'DELETE', undefined) instanceof GatewayError);
});

t.test('max age 0 is allowed and sent', async (t) => {
  const settings = { allowedOrigins: ['*'], maxAgeSeconds: 0 };
  t.strictSame(checkCorsSettings(settings), [], 'no problem');
  const p = createCors(settings).preflight('https://x.test', 'GET', undefined);
  t.ok(p !== null && !(p instanceof GatewayError));
  if (p === null || p instanceof GatewayError) return;
  t.equal(get(p.headers, 'access-control-max-age'), '0');
});

t.test('checkCorsSettings: exact sentences', async (t) => {
  const shape = 'expected "*", scheme://host[:port] or scheme://*.domain[:port]';
  const check = (o: string) => checkCorsSettings({ allowedOrigins: [o] });
  t.strictSame(check('1https://a.com/'), [
    `allowed origin "1https://a.com/" is not an origin; ${shape}`,
  ]);
  t.strictSame(
    check('https://a.com/x\ny'),
    [`allowed origin "https://a.com/x\ny" is not an origin; ${shape}`],
    'a line break is not an origin, even with a path before it',
  );
  t.strictSame(check('https://a b.com'), [
    `allowed origin "https://a b.com" is not an origin; ${shape}`,
  ]);
  t.strictSame(check('https://*.[::1]'), [
    'allowed origin "https://*.[::1]" puts "*." before an IP address',
  ]);
  t.strictSame(
    check('1https://a.com'),
    [`allowed origin "1https://a.com" is not an origin; ${shape}`],
    'the scheme starts the pattern',
  );
  t.strictSame(
    check(' https://a.com'),
    [`allowed origin " https://a.com" is not an origin; ${shape}`],
    'nothing before the scheme',
  );
  for (const [scheme, port] of [
    ['http', '80'],
    ['https', '443'],
    ['ws', '80'],
    ['wss', '443'],
  ]) {
    t.strictSame(
      check(`${scheme}://a.com:${port}`),
      [
        `allowed origin "${scheme}://a.com:${port}" names the default port, which browsers never send; write it without ":${port}"`,
      ],
      `${port} is the default port of ${scheme}`,
    );
  }
  t.strictSame(check('http://a.com:443'), [], "443 is not http's default port");
  t.strictSame(check('https://a.com:80'), [], "80 is not https's default port");
  t.strictSame(check('ws://a.com:443'), [], "443 is not ws's default port");
  t.strictSame(check('wss://a.com:80'), [], "80 is not wss's default port");
  t.strictSame(check('https://a.com:1'), [], 'port 1');
  t.strictSame(check('https://a.com:65535'), [], 'port 65535');
  t.strictSame(check('https://a.com:0'), [
    'allowed origin "https://a.com:0" has an invalid port 0',
  ]);
  t.strictSame(
    checkCorsSettings({ allowedOrigins: ['https://a.com'], allowedHeaders: [''] }),
    ['allowed header "" is not a valid HTTP token'],
    'an empty name is not a token',
  );
  t.throws(
    () => createCors({ allowedOrigins: [], maxAgeSeconds: -1 }),
    new Error(
      'invalid CORS settings: no allowed origin is listed: every cross-origin request would be refused; max age -1 is not a whole number of seconds, 0 or more',
    ),
    'every problem, one after the other',
  );
});

t.test('origin matching: the scheme is part of the match', async (t) => {
  const exact = createCors({ allowedOrigins: ['https://app.example.org'] });
  t.strictSame(
    exact.actual('httpps://app.example.org'),
    [['vary', 'Origin']],
    'exact: one more letter',
  );
  const wildcard = createCors({ allowedOrigins: ['https://*.example.com'] });
  t.strictSame(wildcard.actual('http://app.example.com'), [['vary', 'Origin']], 'wildcard: http');
  t.strictSame(wildcard.actual('wss://app.example.com'), [['vary', 'Origin']], 'wildcard: wss');
});
