import t from 'tap';
import {
  readCredentials,
  type CredentialOptions,
} from '../../../engine/filters/auth/credentials.js';
import { pick } from '../../helpers/pick.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
const KEY = 'gwk_abcDEF123_-xyz';
const both: CredentialOptions = { jwt: true, apiKey: true, apiKeyHeader: 'x-api-key' };
const ws: CredentialOptions = { ...both, queryParam: 'token', protocolPrefix: 'bearer.' };

function read(headers: Record<string, string>, query = '', opts = both) {
  return readCredentials((name) => headers[name], query, opts);
}

t.test('Authorization: Bearer with a JWT goes to the JWT provider', async (t) => {
  t.same(read({ authorization: `Bearer ${JWT}` }), {
    kind: 'jwt',
    value: JWT,
    source: 'authorization',
  });
});

t.test('the Bearer scheme is case-insensitive', async (t) => {
  const expected = { kind: 'jwt', value: JWT };
  t.same(pick(read({ authorization: `bearer   ${JWT}` }), expected), expected);
});

t.test('a Bearer value that is not JWT-shaped goes to the API key provider', async (t) => {
  const expected = { kind: 'api_key', value: KEY };
  t.same(pick(read({ authorization: `Bearer ${KEY}` }), expected), expected);
});

t.test('with only JWT enabled, any Bearer value goes to the JWT provider', async (t) => {
  t.same(read({ authorization: `Bearer ${KEY}` }, '', { ...both, apiKey: false }), {
    kind: 'jwt',
    value: KEY,
    source: 'authorization',
  });
});

t.test('with only API keys enabled, a JWT-shaped Bearer value is an API key', async (t) => {
  t.same(read({ authorization: `Bearer ${JWT}` }, '', { ...both, jwt: false }), {
    kind: 'api_key',
    value: JWT,
    source: 'authorization',
  });
});

t.test('the API key header', async (t) => {
  t.same(read({ 'x-api-key': KEY }), { kind: 'api_key', value: KEY, source: 'api_key_header' });
});

t.test('a configured API key header name', async (t) => {
  t.same(read({ 'x-widget-key': KEY }, '', { ...both, apiKeyHeader: 'x-widget-key' }), {
    kind: 'api_key',
    value: KEY,
    source: 'api_key_header',
  });
});

t.test('the API key header is ignored when API keys are not enabled', async (t) => {
  t.equal(read({ 'x-api-key': KEY }, '', { ...both, apiKey: false }), null);
});

t.test('Authorization wins over the API key header', async (t) => {
  t.same(read({ authorization: `Bearer ${JWT}`, 'x-api-key': KEY }), {
    kind: 'jwt',
    value: JWT,
    source: 'authorization',
  });
});

t.test('a non-Bearer Authorization header is not a credential', async (t) => {
  t.equal(read({ authorization: 'Basic dXNlcjpwYXNz' }), null);
});

t.test('an empty Bearer value is not a credential', async (t) => {
  t.equal(read({ authorization: 'Bearer   ' }), null);
});

t.test('no credential at all', async (t) => {
  t.equal(read({}), null);
});

t.test('WebSocket: a Sec-WebSocket-Protocol entry with the prefix', async (t) => {
  t.same(read({ 'sec-websocket-protocol': `chat.v1, bearer.${JWT}` }, '', ws), {
    kind: 'jwt',
    value: JWT,
    source: 'websocket_protocol',
    protocol: `bearer.${JWT}`,
  });
});

t.test('WebSocket: an API key in the protocol entry', async (t) => {
  t.same(read({ 'sec-websocket-protocol': `bearer.${KEY}` }, '', ws), {
    kind: 'api_key',
    value: KEY,
    source: 'websocket_protocol',
    protocol: `bearer.${KEY}`,
  });
});

t.test('WebSocket: protocol entries without the prefix are ignored', async (t) => {
  t.equal(read({ 'sec-websocket-protocol': 'chat.v1, bearer.' }, '', ws), null);
});

t.test('WebSocket: the query parameter', async (t) => {
  t.same(read({}, `room=1&token=${KEY}`, ws), { kind: 'api_key', value: KEY, source: 'query' });
});

t.test('the query parameter is only read where configured', async (t) => {
  t.equal(read({}, `token=${KEY}`), null);
});

t.test('the protocol header is only read where configured', async (t) => {
  t.equal(read({ 'sec-websocket-protocol': `bearer.${JWT}` }), null);
});

t.test('blanks around a Bearer token are not part of it, tabs included', async (t) => {
  for (const header of [
    `Bearer\t${KEY}`,
    `Bearer \t ${KEY}`,
    `Bearer ${KEY}  `,
    `bEaReR\t${KEY}\t`,
  ]) {
    t.same(
      read({ authorization: header }),
      { kind: 'api_key', value: KEY, source: 'authorization' },
      JSON.stringify(header),
    );
  }
});

t.test('Bearer must open the header and be followed by a blank', async (t) => {
  t.equal(read({ authorization: `XBearer ${KEY}` }), null);
  t.equal(read({ authorization: `Bearer${KEY}` }), null);
});

t.test('a value is JWT-shaped only as three base64url parts, nothing around them', async (t) => {
  const kind = (value: string) => read({ authorization: `Bearer ${value}` })?.kind;
  t.equal(kind('a.b.c'), 'jwt');
  t.equal(kind('a.b.'), 'jwt', 'an empty signature, as alg none has');
  t.equal(kind('ab_-.CD.e9'), 'jwt');
  t.equal(kind('a.b'), 'api_key', 'two parts');
  t.equal(kind('a.b.c.d'), 'api_key', 'four parts');
  t.equal(kind('.b.c'), 'api_key', 'an empty header part');
  t.equal(kind('a..c'), 'api_key', 'an empty payload part');
  t.equal(kind('!a.b.c'), 'api_key', 'something before the first part');
  t.equal(kind('a.b.c!'), 'api_key', 'something after the signature');
  t.equal(kind('a+.b.c'), 'api_key', 'base64, not base64url');
  t.equal(kind('a.b/.c'), 'api_key');
  t.equal(kind('a.b.c='), 'api_key', 'padding');
});

t.test('the API key header and the query parameter are trimmed', async (t) => {
  t.same(read({ 'x-api-key': ` ${KEY}\t` }), {
    kind: 'api_key',
    value: KEY,
    source: 'api_key_header',
  });
  t.equal(read({ 'x-api-key': '  ' }), null, 'blanks only: no key');
  t.same(read({}, `token=%20${KEY}%20`, ws), { kind: 'api_key', value: KEY, source: 'query' });
  t.equal(read({}, 'token=%20', ws), null, 'blanks only: no key');
});

t.test(
  'WebSocket: a query without the parameter, or a protocol equal to the prefix, is nothing',
  async (t) => {
    t.equal(read({}, 'room=1', ws), null);
    t.equal(read({ 'sec-websocket-protocol': 'bearer.' }, 'room=1', ws), null);
    t.same(read({ 'sec-websocket-protocol': ` bearer.${KEY} , chat.v1` }, '', ws), {
      kind: 'api_key',
      value: KEY,
      source: 'websocket_protocol',
      protocol: `bearer.${KEY}`,
    });
  },
);

t.test(
  'where no query parameter or protocol prefix is configured, none is read, whatever its name',
  async (t) => {
    t.equal(read({}, `undefined=${KEY}`), null);
    t.equal(read({ 'sec-websocket-protocol': `undefined${KEY}` }), null);
  },
);
