import t from 'tap';
import {
  IngressRefusal,
  readIngressEvent,
  readQueueMessage,
} from '../../engine/websocket/ingress/ingress-event.js';
import { compileIngressRules } from '../../engine/websocket/ingress/ingress-rules.js';

const rules = compileIngressRules({
  channels: {
    default: { require_auth: true },
    notifications: { user_specific: true },
    public: {},
    'instance.status.*': {},
  },
  routing: {
    service_events: {
      enabled: true,
      mappings: { 'user.created': 'notifications', 'public.announcement': 'public' },
    },
  },
});

t.test("seed 001's webhook bodies", async (t) => {
  t.same(
    readIngressEvent(
      { type: 'user_notification', target_user: 'u1', channel: 'notifications', message: { a: 1 } },
      rules,
    ),
    { channel: 'notifications', data: { a: 1 }, targetUser: 'u1' },
  );
  t.same(
    readIngressEvent({ type: 'user_notification', target_user: 'u1', data: 2 }, rules),
    { channel: 'notifications', data: 2, targetUser: 'u1' },
    'the one user_specific channel is the default',
  );
  t.same(readIngressEvent({ type: 'channel_broadcast', channel: 'admin', message: 'hi' }, rules), {
    channel: 'admin',
    data: 'hi',
    targetUser: null,
  });
  t.same(readIngressEvent({ event: 'user.created', data: { id: 7 } }, rules), {
    channel: 'notifications',
    data: { id: 7 },
    targetUser: null,
  });
  t.same(
    readIngressEvent({ channel: 'instance.status.eu', data: null }, rules),
    { channel: 'instance.status.eu', data: null, targetUser: null },
    'null is a payload',
  );
});

t.test('bodies refused, with the reason', async (t) => {
  const refused = (body: unknown, reason: RegExp, r = rules) =>
    t.throws(() => readIngressEvent(body, r), { constructor: IngressRefusal, message: reason });
  refused([], /JSON object/);
  refused('x', /JSON object/);
  refused({ type: 'channel_broadcast', channel: 'a' }, /data \(or message\): required/);
  refused({ type: 'user_notification', data: 1 }, /target_user: required/);
  refused({ type: 'channel_broadcast', data: 1 }, /channel: required/);
  refused({ type: 'shout', channel: 'a', data: 1 }, /type: expected/);
  refused({ event: 'user.deleted', data: 1 }, /"user.deleted" has no service_events mapping/);
  refused({ event: 5, data: 1 }, /event: a string/);
  refused({ channel: 'instance.status.*', data: 1 }, /not a pattern/);
  refused({ channel: '', data: 1 }, /channel: a non-empty string/);
  refused({ data: 1 }, /expected "type", "event" or "channel"/);
  const noDefault = compileIngressRules({
    channels: { a: { user_specific: true }, b: { user_specific: true } },
  });
  refused({ type: 'user_notification', target_user: 'u', data: 1 }, /channel: required/, noDefault);
  refused({ event: 'user.created', data: 1 }, /service_events is off/, noDefault);
});

t.test('a broker message: the routing key names the event of a bare body only', async (t) => {
  const msg = (body: unknown) => Buffer.from(JSON.stringify(body));
  t.same(readQueueMessage(msg({ data: { id: 7 } }), 'user.created', rules), {
    channel: 'notifications',
    data: { id: 7 },
    targetUser: null,
  });
  t.same(
    readQueueMessage(msg({ event: 'public.announcement', data: 1 }), 'user.created', rules),
    { channel: 'public', data: 1, targetUser: null },
    'an event in the body wins over the routing key',
  );
  t.same(readQueueMessage(msg({ channel: 'public', data: 2 }), 'user.created', rules), {
    channel: 'public',
    data: 2,
    targetUser: null,
  });
  t.throws(
    () => readQueueMessage(msg({ data: 3 }), '', rules),
    { message: 'expected "type", "event" or "channel"' },
    'no routing key, no event',
  );
  t.throws(() => readQueueMessage(msg({ data: 4 }), 'unmapped', rules), {
    message: 'event "unmapped" has no service_events mapping',
  });
  t.throws(() => readQueueMessage(Buffer.from('{'), 'user.created', rules), {
    message: 'the message is not JSON',
  });
  t.throws(() => readQueueMessage(msg([1]), 'user.created', rules), {
    message: 'the body must be a JSON object',
  });
});
