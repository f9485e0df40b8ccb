import t from 'tap';
import { MemoryHistoryStore } from '../../engine/websocket/hub/memory-history-store.js';

const message = (channel: string, data: unknown) => ({
  channel,
  data,
  ts: 0,
  from: null,
  targetUser: null,
});

t.test('sequence per channel, the last `keep` kept, since is exclusive', async (t) => {
  const store = new MemoryHistoryStore();
  for (let i = 1; i <= 5; i++) {
    t.equal((await store.append(message('a', i), 3, 60_000)).seq, i);
  }
  t.equal((await store.append(message('b', 'x'), 3, 60_000)).seq, 1, 'b counts on its own');
  t.same(
    (await store.since('a', 0, 10)).map((m) => m.seq),
    [3, 4, 5],
  );
  t.same(
    (await store.since('a', 3, 10)).map((m) => m.data),
    [4, 5],
  );
  t.same(
    (await store.since('a', 0, 2)).map((m) => m.seq),
    [3, 4],
    'at most limit, oldest first',
  );
  t.same(await store.since('nothing', 0, 10), []);
  t.equal((await store.append(message('c', 1), 0, 60_000)).seq, 1, 'keep 0 still numbers');
  t.same(await store.since('c', 0, 10), []);
});

t.test('messages expire after their ttl', async (t) => {
  let now = 1000;
  const store = new MemoryHistoryStore(() => now);
  await store.append(message('a', 'old'), 10, 500);
  now = 1400;
  await store.append(message('a', 'new'), 10, 500);
  now = 1600;
  t.same(
    (await store.since('a', 0, 10)).map((m) => m.data),
    ['new'],
  );
  t.type(store.epoch, 'string');
});
