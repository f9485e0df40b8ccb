import t from 'tap';
import { LruCache } from '../../../engine/filters/auth/lru-cache.js';

t.test('the least recently used entry is evicted past maxSize', async (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.set('c', 3);
  t.same([cache.get('a'), cache.get('b'), cache.get('c')], [1, undefined, 3]);
});

t.test('size never exceeds maxSize', async (t) => {
  const cache = new LruCache<number, number>(3);
  for (let i = 0; i < 10; i++) cache.set(i, i);
  t.equal(cache.size, 3);
});

t.test('setting an existing key replaces it without growing', async (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('a', 2);
  t.same([cache.size, cache.get('a')], [1, 2]);
});

t.test('delete removes an entry', async (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.delete('a');
  t.equal(cache.get('a'), undefined);
});

t.test('maxSize must be a positive integer', async (t) => {
  t.throws(() => new LruCache(0), RangeError);
});
