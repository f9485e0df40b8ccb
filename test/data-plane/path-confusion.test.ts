import { SignJWT } from 'jose';
import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startNginx } from '../helpers/nginx.js';
import { bodyOf, headerOf, rawGet, statusOf } from '../helpers/raw-http.js';

// The gateway and its upstream must resolve every request to the same path: nginx decodes %2F,
// so it is the upstream that shows whether a path the gateway matched as /public reached /admin.
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

function config(upstream: string, paths: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1${paths === '' ? '' : `, paths: ${paths}`} }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
routes:
  - { path: /public/*, upstream: web }
  - { path: /admin/*, upstream: web, auth_required: true, required_roles: [admin] }
  - { path: /*, upstream: web }
upstreams:
  web: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

const LOCATIONS = `
  location /admin/ { return 200 "admin $uri"; }
  location /public/ { return 200 "public $uri"; }
  location / { return 200 "other $uri"; }
`;

/** Each way of writing a path that some upstream resolves to /admin/x (or /admin/y). */
const ATTACKS = {
  encodedDotsAndSlash: '/public/%2E%2E%2Fadmin/x',
  encodedSlash: '/public/..%2Fadmin/x',
  encodedSlashLower: '/public/..%2fadmin/x',
  encodedBackslash: '/public/..%5Cadmin/x',
  rawBackslash: '/public/..\\admin/x',
  tomcatParameter: '/public/..;/admin/x',
  tomcatSession: '/public/..;jsessionid=abc/admin/x',
  parameterOnRouteSegment: '/admin;x=1/y',
  doubleEncoded: '/public/%252E%252E%252Fadmin/x',
  doubleEncodedHexDigits: '/public/%25%32%45%25%32%45%25%32%46admin/x',
  overlongUtf8: '/public/%C0%AE%C0%AE%C0%AFadmin/x',
  encodedNul: '/public/%00/../../admin/x',
} as const;

type Attack = keyof typeof ATTACKS;

interface Answer {
  status: number;
  body: string;
  code: string | undefined;
  location: string | undefined;
}

async function send(gw: GatewaydProcess, target: string, token?: string): Promise<Answer> {
  const raw = await rawGet(gw.port, target, token ? `Authorization: Bearer ${token}\r\n` : '');
  const body = Buffer.from(bodyOf(raw), 'latin1').toString('utf8');
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { error?: string }).error;
  } catch {
    code = undefined;
  }
  return { status: statusOf(raw), body, code, location: headerOf(raw, 'location') };
}

const adminToken = () =>
  new SignJWT({ sub: 'root', roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

t.test('no way of writing a path takes a client past the admin route', async (t) => {
  const nginx = await startNginx(t, LOCATIONS);
  if (!nginx) return;
  const policies = {
    default: '',
    unescapeAndForward: '{ escaped_slashes: unescape_and_forward, path_parameters: strip }',
    unescapeAndRedirect: '{ escaped_slashes: unescape_and_redirect }',
    keep: '{ escaped_slashes: keep, path_parameters: keep, double_encoding: keep }',
  };
  // One after another: four starts at once can outlast a start's wait on a busy machine.
  const gws = {} as Record<keyof typeof policies, GatewaydProcess>;
  for (const [name, paths] of Object.entries(policies) as Array<[keyof typeof policies, string]>) {
    gws[name] = await startGatewayd(t, config(nginx.url, paths));
  }

  // What each policy answers a client without a token: refused, redirected, or served by the
  // route whose checks it passed (401 from /admin/*), never nginx's admin location.
  const rejected = { status: 400, code: 'PATH_REJECTED' };
  const unauthorized = { status: 401, code: 'UNAUTHORIZED' };
  const expected: Record<keyof typeof policies, Record<Attack, Partial<Answer>>> = {
    default: {
      encodedDotsAndSlash: rejected,
      encodedSlash: rejected,
      encodedSlashLower: rejected,
      encodedBackslash: rejected,
      rawBackslash: rejected,
      tomcatParameter: rejected,
      tomcatSession: rejected,
      parameterOnRouteSegment: rejected,
      doubleEncoded: rejected,
      doubleEncodedHexDigits: rejected,
      overlongUtf8: rejected,
      encodedNul: rejected,
    },
    unescapeAndForward: {
      encodedDotsAndSlash: unauthorized,
      encodedSlash: unauthorized,
      encodedSlashLower: unauthorized,
      encodedBackslash: unauthorized,
      rawBackslash: unauthorized,
      tomcatParameter: unauthorized,
      tomcatSession: unauthorized,
      parameterOnRouteSegment: unauthorized,
      doubleEncoded: rejected,
      doubleEncodedHexDigits: rejected,
      overlongUtf8: rejected,
      encodedNul: rejected,
    },
    unescapeAndRedirect: {
      encodedDotsAndSlash: { status: 307, location: '/admin/x' },
      encodedSlash: { status: 307, location: '/admin/x' },
      encodedSlashLower: { status: 307, location: '/admin/x' },
      encodedBackslash: { status: 307, location: '/admin/x' },
      rawBackslash: { status: 307, location: '/admin/x' },
      tomcatParameter: rejected,
      tomcatSession: rejected,
      parameterOnRouteSegment: rejected,
      doubleEncoded: rejected,
      doubleEncodedHexDigits: rejected,
      overlongUtf8: rejected,
      encodedNul: rejected,
    },
    keep: {
      encodedDotsAndSlash: rejected,
      encodedSlash: rejected,
      encodedSlashLower: rejected,
      encodedBackslash: rejected,
      rawBackslash: rejected,
      tomcatParameter: rejected,
      tomcatSession: rejected,
      // Kept as data: the catch-all route takes it, and nginx (which keeps `;`) agrees.
      parameterOnRouteSegment: { status: 200, body: 'other /admin;x=1/y' },
      // nginx decodes once: the kept escapes stay escapes inside /public.
      doubleEncoded: { status: 200, body: 'public /public/%2E%2E%2Fadmin/x' },
      doubleEncodedHexDigits: { status: 200, body: 'public /public/%2E%2E%2Fadmin/x' },
      overlongUtf8: rejected,
      encodedNul: rejected,
    },
  };
  for (const [policy, gw] of Object.entries(gws) as Array<
    [keyof typeof policies, GatewaydProcess]
  >) {
    for (const [attack, target] of Object.entries(ATTACKS) as Array<[Attack, string]>) {
      const answer = await send(gw, target);
      t.match(answer, expected[policy][attack], `${policy}: ${attack} ${target}`);
      t.notOk(answer.body.startsWith('admin'), `${policy}: ${attack} never reaches nginx's /admin`);
    }
  }

  t.test('the path a route matched is the path nginx resolves', async (t) => {
    const token = await adminToken();
    const forward = await send(gws.unescapeAndForward, ATTACKS.encodedSlash, token);
    t.same([forward.status, forward.body], [200, 'admin /admin/x'], 'unescaped, then authorised');
    const stripped = await send(gws.unescapeAndForward, '/public/x;jsessionid=1');
    t.same([stripped.status, stripped.body], [200, 'public /public/x'], '`;...` stripped');
    const split = await send(gws.unescapeAndForward, '/public/a%2Fb');
    t.same([split.status, split.body], [200, 'public /public/a/b']);
    const kept = await send(gws.keep, '/public/a%2Fb');
    t.same([kept.status, kept.body], [200, 'public /public/a/b'], 'kept, still under /public');
    const keptParameter = await send(gws.keep, '/public/x;v=1');
    t.same([keptParameter.status, keptParameter.body], [200, 'public /public/x;v=1']);
  });

  t.test('a redirect keeps the query and names the unescaped path', async (t) => {
    const moved = await send(gws.unescapeAndRedirect, '/public/a%2Fb?q=1&r=%2F');
    t.equal(moved.status, 307);
    t.equal(moved.location, '/public/a/b?q=1&r=%2F');
    const followed = await send(gws.unescapeAndRedirect, moved.location as string);
    t.same([followed.status, followed.body], [200, 'public /public/a/b']);
  });

  t.test('ordinary escapes pass under every policy', async (t) => {
    for (const [policy, gw] of Object.entries(gws)) {
      const cases: Array<[string, string]> = [
        ['/public/a%20b', 'public /public/a b'],
        ['/public/caf%C3%A9', 'public /public/café'],
        ['/public/100%25', 'public /public/100%'],
        ['/public/%2E%2E/admin/x', ''],
      ];
      for (const [target, body] of cases) {
        const answer = await send(gw, target);
        if (body === '') t.equal(answer.status, 401, `${policy}: ${target} is the admin route`);
        else t.same([answer.status, answer.body], [200, body], `${policy}: ${target}`);
      }
    }
  });
});
