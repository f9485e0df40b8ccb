import t from 'tap';
import { socketConfigKey } from '../../engine/websocket/socket-config-key.js';
import {
  closeForClient,
  closeForUpstream,
  isSendable,
} from '../../engine/websocket/proxy/close-codes.js';

t.test('the fingerprint ignores key order and follows every value', async (t) => {
  const route = {
    path: '/ws',
    upstream: 'chat',
    websocket: 'proxy',
    match: { headers: { a: '1' } },
  };
  const upstream = { discovery: { type: 'Static', endpoints: ['http://a:1'] } };
  const key = socketConfigKey('proxy', route, upstream);
  t.equal(
    socketConfigKey(
      'proxy',
      { match: { headers: { a: '1' } }, websocket: 'proxy', upstream: 'chat', path: '/ws' },
      upstream,
    ),
    key,
    'same values in another order',
  );
  t.match(key, /^proxy:/);
  t.not(socketConfigKey('hub', route, upstream), key, 'the kind is part of it');
  t.not(
    socketConfigKey('proxy', { ...route, max_message_size: '2mb' }, upstream),
    key,
    'a route change',
  );
  t.not(
    socketConfigKey('proxy', route, { discovery: { type: 'Static', endpoints: ['http://b:1'] } }),
    key,
    'an upstream change',
  );
  t.equal(
    socketConfigKey('proxy', { ...route, timeout: undefined }, upstream),
    key,
    'an absent key is an absent key',
  );
});

t.test('close codes that cannot go on the wire are mapped', async (t) => {
  t.ok(isSendable(1000) && isSendable(1012) && isSendable(4999));
  t.notOk(isSendable(1005) || isSendable(1006) || isSendable(1015) || isSendable(1004));
  t.same(closeForClient(4001, 'bye'), { code: 4001, reason: 'bye' });
  t.same(closeForClient(1005, ''), { code: undefined, reason: '' });
  t.same(closeForClient(1006, ''), { code: 1011, reason: 'upstream connection lost' });
  t.same(closeForClient(1015, ''), { code: 1011, reason: 'upstream connection lost' });
  t.same(closeForUpstream(4001, 'bye'), { code: 4001, reason: 'bye' });
  t.same(closeForUpstream(1005, ''), { code: undefined, reason: '' });
  t.same(closeForUpstream(0, ''), { code: undefined, reason: '' });
  t.same(closeForUpstream(1006, ''), { code: 1001, reason: 'client connection lost' });
});
