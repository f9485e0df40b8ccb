import t from 'tap';
import { readSessionQuery } from '../../engine/websocket/socket-io/session-query.js';
import { tagOpenPacket } from '../../engine/websocket/socket-io/tag-open-packet.js';

t.test(
  'readSessionQuery takes the tag off the sid and the credential out of the query',
  async (t) => {
    t.same(readSessionQuery('', 'api_key'), { hasSid: false, tag: null, query: '' });
    t.same(readSessionQuery('EIO=4&transport=polling&t=abc&api_key=k', 'api_key'), {
      hasSid: false,
      tag: null,
      query: 'EIO=4&transport=polling&t=abc',
    });
    t.same(readSessionQuery('EIO=4&transport=polling&sid=1x9k.Hq3-_z&api%5Fkey=k', 'api_key'), {
      hasSid: true,
      tag: '1x9k',
      query: 'EIO=4&transport=polling&sid=Hq3-_z',
    });
    t.same(
      readSessionQuery('sid=plain&api_key=k', null),
      { hasSid: true, tag: null, query: 'sid=plain&api_key=k' },
      'an untagged sid and, without a credential parameter, the key are kept as they are',
    );
    t.same(
      readSessionQuery('sid=.lead&sid=a.b', null),
      { hasSid: true, tag: null, query: 'sid=.lead&sid=a.b' },
      'an empty tag is no tag; only the first sid counts',
    );
    t.same(readSessionQuery('sid', null), { hasSid: true, tag: null, query: 'sid' });
  },
);

t.test('tagOpenPacket tags engine.io v4 open packets only', async (t) => {
  const open = '0{"sid":"Hq3-_z","upgrades":["websocket"],"pingInterval":25000}';
  t.equal(
    tagOpenPacket(open, '1x9k'),
    '0{"sid":"1x9k.Hq3-_z","upgrades":["websocket"],"pingInterval":25000}',
  );
  t.equal(tagOpenPacket('96:0{"sid":"Hq3-_z"}', 't'), null, 'an engine.io v3 payload');
  t.equal(tagOpenPacket('{"code":1,"message":"Session ID unknown"}', 't'), null, 'an error');
  t.equal(tagOpenPacket('0{"sid":', 't'), null, 'cut JSON');
  t.equal(tagOpenPacket('0{"sid":""}', 't'), null, 'an empty sid');
  t.equal(tagOpenPacket('0{"sid":42}', 't'), null, 'a sid that is not a string');
  t.equal(tagOpenPacket('0[1]', 't'), null, 'not an object');
});
