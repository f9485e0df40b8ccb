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
  t.match(read({ authorization: `Bearer ${KEY}` }, '', { ...both, apiKey: false }), {
    kind: 'jwt',
  });
});

t.test('with only API keys enabled, a JWT-shaped Bearer value is an API key', async (t) => {
  t.match(read({ authorization: `Bearer ${JWT}` }, '', { ...both, jwt: false }), {
    kind: 'api_key',
  });
});

t.test('the API key header', async (t) => {
  t.same(read({ 'x-api-key': KEY }), { kind: 'api_key', value: KEY, source: 'api_key_header' });
});

t.test('a configured API key header name', async (t) => {
  t.match(read({ 'x-widget-key': KEY }, '', { ...both, apiKeyHeader: 'x-widget-key' }), {
    value: KEY,
  });
});

t.test('the API key header is ignored when API keys are not enabled', async (t) => {
  t.equal(read({ 'x-api-key': KEY }, '', { ...both, apiKey: false }), null);
});

t.test('Authorization wins over the API key header', async (t) => {
  t.match(read({ authorization: `Bearer ${JWT}`, 'x-api-key': KEY }), { source: 'authorization' });
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
  t.match(read({ 'sec-websocket-protocol': `bearer.${KEY}` }, '', ws), { kind: 'api_key' });
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
