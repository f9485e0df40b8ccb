import t from 'tap';
import type { IncomingHttpHeaders } from 'node:http';
import { upstreamHeaderPolicy } from '../../engine/compile/route-handler.js';
import type { RequestHeadersConfig } from '../../engine/config/gateway-config.js';
import { Exchange } from '../../engine/data-plane/exchange.js';
import type { RouteFilter } from '../../engine/data-plane/filter-chain.js';
import {
  clientResponseHeaderList,
  isGatewayOwnedRequestHeader,
  isGatewayOwnedResponseHeader,
  upstreamRequestHeaders,
  writeClientResponseHeaders,
  type RequestHeaderPolicy,
} from '../../engine/data-plane/forward-headers.js';
import type { FilterContext } from '../../engine/filters/filter-factory.js';
import {
  describeHeaderEdits,
  requestHeaderEdits,
  requestHeaders,
} from '../../engine/filters/request-headers/request-headers-factory.js';

// In-process companions of the end-to-end header tests (request-headers, proxy, access-control):
// they pin every branch of the header policy so that `npm run mutation` can run in seconds.

const IDENTITY = new Set(['x-user-id', 'x-user-roles']);

/** The request_headers filter as the compiler builds it for a route (it reads only the route). */
function buildRequestHeaders(edits: RequestHeadersConfig | undefined): RouteFilter | null {
  const ctx = {
    route: { path: '/a', upstream: 'u', request_headers: edits },
    routeName: 'a',
    authenticated: false,
  } as unknown as FilterContext; // no table: this filter never reads it
  return requestHeaders.build(ctx) as RouteFilter | null;
}

/** A route's policy as the compiler builds it: the identity headers plus its request_headers. */
function requestHeaderPolicy(
  edits: RequestHeadersConfig | undefined,
  identity: ReadonlySet<string>,
): RequestHeaderPolicy {
  const filter = buildRequestHeaders(edits);
  return upstreamHeaderPolicy(identity, filter === null ? [] : [filter]);
}

const PLAIN: RequestHeaderPolicy = requestHeaderPolicy(undefined, IDENTITY);

/** The response headers writeClientResponseHeaders writes, as [name, value] pairs. */
function clientResponseHeaders(
  headers: IncomingHttpHeaders,
  routeOwned: ((name: string) => boolean) | null,
): Array<[string, string]> {
  const written: Array<[string, string]> = [];
  const res = {
    writeHeader(name: string, value: string) {
      written.push([name, value]);
      return res;
    },
  };
  writeClientResponseHeaders(
    res as unknown as Parameters<typeof writeClientResponseHeaders>[0],
    headers,
    routeOwned,
  ); // only writeHeader is called
  return written;
}

/** An exchange as the data plane builds it; the response is never touched here. */
function exchange(headers: string[], opts: { host?: string; peer?: string } = {}): Exchange {
  const res = null as unknown as ConstructorParameters<typeof Exchange>[0]; // never written
  const ex = new Exchange(
    res,
    'GET',
    '/a',
    '',
    headers,
    opts.host ?? 'gw.test',
    'req-1',
    opts.peer ?? '10.0.0.7',
    0,
    false,
    0,
    () => {},
  );
  return ex;
}

function forward(
  headers: string[],
  opts: Partial<{ trusted: boolean; preserveHost: boolean; policy: RequestHeaderPolicy }> = {},
  ex = exchange(headers),
): string[] {
  return upstreamRequestHeaders(ex, {
    preserveHost: opts.preserveHost ?? false,
    headerPolicy: opts.policy ?? PLAIN,
    trustedPeer: opts.trusted ?? false,
  });
}

const GATEWAY_SET = [
  'x-forwarded-for',
  '10.0.0.7',
  'x-forwarded-proto',
  'http',
  'x-request-id',
  'req-1',
];

t.test(
  'an untrusted peer: only the gateway writes X-Forwarded-*, Forwarded and Host',
  async (t) => {
    const out = forward([
      'accept',
      'text/plain',
      'x-forwarded-for',
      '6.6.6.6',
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      'evil.test',
      'forwarded',
      'for=6.6.6.6',
      'host',
      'gw.test',
      'x-request-id',
      'client-id',
      'expect',
      '100-continue',
    ]);
    t.same(out, ['accept', 'text/plain', ...GATEWAY_SET, 'x-forwarded-host', 'gw.test']);
  },
);

t.test(
  'a trusted peer: its X-Forwarded-* and Forwarded headers are kept and extended',
  async (t) => {
    const out = forward(
      [
        'x-forwarded-for',
        '1.1.1.1',
        'x-forwarded-for',
        '2.2.2.2',
        'x-forwarded-proto',
        'https',
        'x-forwarded-host',
        'shop.test',
        'forwarded',
        'for=1.1.1.1',
      ],
      { trusted: true },
    );
    t.same(out, [
      'forwarded',
      'for=1.1.1.1',
      'x-forwarded-for',
      '1.1.1.1, 2.2.2.2, 10.0.0.7',
      'x-forwarded-proto',
      'https',
      'x-request-id',
      'req-1',
      'x-forwarded-host',
      'shop.test',
    ]);
    t.same(forward([], { trusted: true }), [...GATEWAY_SET, 'x-forwarded-host', 'gw.test']);
  },
);

t.test('Host goes upstream only with preserve_host, and never empty', async (t) => {
  t.same(forward([], { preserveHost: true }).slice(0, 2), ['host', 'gw.test']);
  const hostless = exchange([], { host: '' });
  t.same(
    forward([], { preserveHost: true }, hostless),
    GATEWAY_SET,
    'no Host, no X-Forwarded-Host',
  );
});

t.test('hop-by-hop headers and the headers Connection names are dropped, any case', async (t) => {
  const hopByHop = [
    'connection',
    'Keep-Alive, X-Secret-Hop, , close',
    'keep-alive',
    'timeout=5',
    'x-secret-hop',
    '1',
    'te',
    'trailers',
    'transfer-encoding',
    'chunked',
    'upgrade',
    'h2c',
    'proxy-authorization',
    'Basic Zm9v',
    'proxy-anything',
    'x',
    'x-kept',
    'yes',
  ];
  const out = forward(hopByHop);
  t.same(out, ['x-kept', 'yes', ...GATEWAY_SET, 'x-forwarded-host', 'gw.test']);
  t.strictSame(
    forward(hopByHop, { trusted: true }),
    out,
    'a trusted peer keeps its forwarding headers, never these',
  );
  t.same(
    forward(['connection', 'close', 'close', 'kept']).slice(0, 2),
    ['close', 'kept'],
    'close and keep-alive are options, not header names',
  );
  t.same(
    forward(['connection', 'X-Secret-Hop, Close', 'close', 'kept', 'x-secret-hop', '1']).slice(
      0,
      2,
    ),
    ['close', 'kept'],
    'close listed with other options is an option still',
  );
  t.same(
    forward(['connection', 'keep-alive', 'keep-alive', 'timeout=5']).slice(0, 2),
    GATEWAY_SET.slice(0, 2),
    'Keep-Alive is hop-by-hop even when Connection lists only the option',
  );
});

t.test('identity headers: the client copies dropped, the verified ones appended', async (t) => {
  const ex = exchange(['x-user-id', 'admin-root', 'x-user-roles', 'admin', 'x-other', 'kept']);
  ex.identityHeaders = ['x-user-id', 'alice'];
  t.same(forward([], {}, ex), [
    'x-other',
    'kept',
    ...GATEWAY_SET,
    'x-forwarded-host',
    'gw.test',
    'x-user-id',
    'alice',
  ]);
});

t.test('a route with request_headers still drops the identity headers', async (t) => {
  const policy = requestHeaderPolicy(
    { remove: ['X-Debug'], set: { 'X-Source': 'gateway', 'x-team': 'blue' } },
    IDENTITY,
  );
  t.same([...policy.dropped].sort(), [
    'x-debug',
    'x-source',
    'x-team',
    'x-user-id',
    'x-user-roles',
  ]);
  t.same(policy.added, ['x-source', 'gateway', 'x-team', 'blue']);
  const out = forward(
    [
      'x-user-id',
      'admin-root',
      'x-user-roles',
      'admin',
      'x-debug',
      'on',
      'x-source',
      'client',
      'x-kept',
      'yes',
    ],
    { policy },
  );
  t.same(out, [
    'x-kept',
    'yes',
    ...GATEWAY_SET,
    'x-forwarded-host',
    'gw.test',
    'x-source',
    'gateway',
    'x-team',
    'blue',
  ]);
});

t.test('request_headers with only remove, or only set', async (t) => {
  t.same(requestHeaderPolicy({ remove: ['A'] }, IDENTITY).added, []);
  t.same([...requestHeaderPolicy({ set: { B: '1' } }, IDENTITY).dropped].sort(), [
    'b',
    'x-user-id',
    'x-user-roles',
  ]);
  t.equal(PLAIN.dropped, IDENTITY, 'a route without edits shares the identity set');
  t.same(requestHeaderEdits({}), { dropped: [], added: [] });
  t.same(PLAIN.added, []);
});

t.test('the request_headers filter: built only for a route that has the block', async (t) => {
  t.equal(requestHeaders.name, 'request_headers', 'named after its config key');
  t.equal(buildRequestHeaders(undefined), null);
  t.same(buildRequestHeaders({ remove: ['X-A'], set: { 'X-Secret': 's3cret' } }), {
    descriptions: ['request_headers remove X-A; set X-Secret'],
    request: null,
    response: null,
    ownsResponseHeader: null,
    upstreamHeaders: { dropped: ['x-a', 'x-secret'], added: ['x-secret', 's3cret'] },
  });
});

t.test('gatewayd routes --explain names the edits, never the values', async (t) => {
  t.equal(
    describeHeaderEdits({ remove: ['X-A', 'x-b'], set: { 'X-Secret': 's3cret', 'X-C': '1' } }),
    'request_headers remove X-A, x-b; set X-Secret, X-C',
  );
  t.equal(describeHeaderEdits({ remove: ['X-A'] }), 'request_headers remove X-A');
  t.equal(describeHeaderEdits({ set: { 'X-C': '1' } }), 'request_headers set X-C');
  t.equal(describeHeaderEdits({ remove: [], set: {} }), 'request_headers ');
});

t.test('gateway-owned request headers', async (t) => {
  for (const name of [
    'host',
    'x-forwarded-for',
    'forwarded',
    'connection',
    'proxy-x',
    'content-length',
    'expect',
  ]) {
    t.ok(isGatewayOwnedRequestHeader(name), name);
  }
  for (const name of ['x-api-key', 'authorization', 'x-proxy', 'content-type']) {
    t.notOk(isGatewayOwnedRequestHeader(name), name);
  }
});

/** An upstream's answer with hop-by-hop, framing and Connection-named headers among its own. */
const UPSTREAM_ANSWER = {
  connection: 'X-Private, Keep-Alive',
  'x-private': 'secret',
  'keep-alive': 'timeout=5',
  'proxy-authenticate': 'Basic',
  'transfer-encoding': 'chunked',
  'content-length': '2',
  date: 'yesterday',
  'x-request-id': 'upstream-id',
  'set-cookie': ['a=1', 'b=2'],
  'x-kept': 'yes',
  'x-missing': undefined,
};

t.test('response headers: hop-by-hop, framing and Connection-named headers dropped', async (t) => {
  const out = clientResponseHeaders(UPSTREAM_ANSWER, null);
  t.same(out, [
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
    ['x-kept', 'yes'],
  ]);
});

t.test(
  "response headers: a CORS route owns Access-Control-*, the upstream's copies dropped",
  async (t) => {
    const upstream = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'x-secret',
      'x-kept': 'yes',
    };
    const corsOwned = (name: string) => name.startsWith('access-control-');
    t.same(clientResponseHeaders(upstream, corsOwned), [['x-kept', 'yes']]);
    t.same(clientResponseHeaders(upstream, null).length, 3, 'passed on a route without CORS');
  },
);

t.test('response headers the route owns replace the upstream copy, Vary adds up', async (t) => {
  const out = clientResponseHeaders(
    { 'x-ratelimit-limit': '999', vary: 'Accept-Encoding', 'x-kept': 'yes' },
    (name) => name === 'x-ratelimit-limit' || name === 'vary',
  );
  t.same(out, [
    ['vary', 'Accept-Encoding'],
    ['x-kept', 'yes'],
  ]);
});

t.test('a request that came over TLS is forwarded as https', async (t) => {
  const ex = exchange(['accept', 'text/plain']);
  ex.secure = true;
  t.same(forward([], {}, ex), [
    'accept',
    'text/plain',
    'x-forwarded-for',
    '10.0.0.7',
    'x-forwarded-proto',
    'https',
    'x-request-id',
    'req-1',
    'x-forwarded-host',
    'gw.test',
  ]);
});

t.test('gateway-owned response headers', async (t) => {
  for (const name of [
    'connection',
    'transfer-encoding',
    'content-length',
    'date',
    'x-request-id',
    'proxy-authenticate',
    'content-encoding',
  ]) {
    t.equal(isGatewayOwnedResponseHeader(name), true, name);
  }
  for (const name of ['content-type', 'x-proxy', 'vary', 'set-cookie', 'x-content-encoding']) {
    t.equal(isGatewayOwnedResponseHeader(name), false, name);
  }
});

t.test('the response header list a cache keeps: what the client would be sent', async (t) => {
  const upstream = {
    ...UPSTREAM_ANSWER,
    'x-ratelimit-limit': '999',
    vary: 'Accept-Encoding',
  };
  const owned = (name: string) => name === 'x-ratelimit-limit' || name === 'vary';
  const kept: Array<[string, string]> = [
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
    ['x-kept', 'yes'],
  ];
  t.same(clientResponseHeaderList(upstream, owned), [...kept, ['vary', 'Accept-Encoding']]);
  t.same(
    clientResponseHeaderList(upstream, owned),
    clientResponseHeaders(upstream, owned),
    'the same as written',
  );
  t.same(clientResponseHeaderList(upstream, null), [
    ...kept,
    ['x-ratelimit-limit', '999'],
    ['vary', 'Accept-Encoding'],
  ]);
  t.same(clientResponseHeaderList({ 'x-kept': 'yes' }, null), [['x-kept', 'yes']], 'no Connection');
});
