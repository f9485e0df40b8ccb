import t from 'tap';
import { didYouMean, suggestionHint } from '../../engine/config/did-you-mean.js';

const ROUTE_KEYS = ['name', 'path', 'methods', 'host', 'upstream', 'direct_response', 'timeout'];

t.test('finds typos within two edits, ignoring case', async (t) => {
  t.equal(didYouMean('upstrem', ROUTE_KEYS), 'upstream');
  t.equal(didYouMean('timout', ROUTE_KEYS), 'timeout');
  t.equal(didYouMean('Methods', ROUTE_KEYS), 'methods');
  t.equal(didYouMean('direct_responce', ROUTE_KEYS), 'direct_response');
  t.equal(didYouMean('pth', ROUTE_KEYS), 'path');
});

t.test('does not suggest what is merely similar', async (t) => {
  t.equal(didYouMean('health-service', ['auth-service', 'user-service']), undefined);
  t.equal(didYouMean('plugins', ROUTE_KEYS), undefined);
  t.equal(didYouMean('ab', ['xy']), undefined);
  t.equal(didYouMean('x', []), undefined);
});

t.test('suggestionHint suggests one or lists all', async (t) => {
  t.equal(suggestionHint('upstrem', ROUTE_KEYS, 'keys'), 'did you mean "upstream"?');
  t.equal(suggestionHint('zzz', ['a', 'b'], 'keys'), 'keys: a, b');
});
