import t from 'tap';
import {
  compileChannelPattern,
  isChannelPattern,
  isValidChannelName,
} from '../../engine/websocket/hub/channel-pattern.js';
import { ChannelPolicies } from '../../engine/websocket/hub/channel-policies.js';
import type { ChannelPolicy } from '../../engine/websocket/hub/hub-settings.js';

t.test('names and patterns', async (t) => {
  for (const name of ['chat', 'instance.status.changed', 'user:42.inbox', 'a-b_c@d']) {
    t.ok(isValidChannelName(name), name);
    t.notOk(isChannelPattern(name), `${name} is concrete`);
  }
  for (const name of ['instance.status.*', '*', '*.created', 'a.*.c', 'instance.**']) {
    t.ok(isValidChannelName(name), name);
    t.ok(isChannelPattern(name), `${name} is a pattern`);
  }
  for (const name of ['', 'a..b', 'a b', 'a.**.b', 'a.b*', '.a', 'x'.repeat(201)]) {
    t.notOk(isValidChannelName(name), JSON.stringify(name.slice(0, 20)));
  }
});

t.test('* is one segment, a trailing ** one or more', async (t) => {
  const status = compileChannelPattern('instance.status.*');
  t.ok(status('instance.status.changed'));
  t.notOk(status('instance.status'));
  t.notOk(status('instance.status.a.b'));
  t.notOk(status('instance.created'));
  const middle = compileChannelPattern('a.*.c');
  t.ok(middle('a.b.c'));
  t.notOk(middle('a.b.d'));
  const rest = compileChannelPattern('instance.**');
  t.ok(rest('instance.a'));
  t.ok(rest('instance.a.b.c'));
  t.notOk(rest('instance'));
  t.notOk(rest('other.a'));
});

function policy(key: string): ChannelPolicy {
  return {
    key,
    fingerprint: key,
    maxSubscribers: 1,
    history: 0,
    requireAuth: false,
    requiredRoles: [],
    userSpecific: false,
    allowedOrigins: null,
    allowPublish: false,
    publishRate: null,
  };
}

t.test('policies: exact name, then the first matching pattern, then default', async (t) => {
  const fallback = policy('default');
  const policies = ChannelPolicies.from(
    [policy('instance.status.*'), policy('instance.**'), policy('instance.status.special')],
    fallback,
  );
  t.equal(policies.forChannel('instance.status.special').key, 'instance.status.special');
  t.equal(policies.forChannel('instance.status.changed').key, 'instance.status.*');
  t.equal(policies.forChannel('instance.created').key, 'instance.**');
  t.equal(policies.forChannel('chat').key, 'default');
  t.equal(policies.forPattern('instance.status.*').key, 'instance.status.*');
  t.equal(policies.forPattern('instance.*.changed').key, 'default', 'an unlisted pattern');
});
