import { createRequire, syncBuiltinESMExports } from 'node:module';
import t from 'tap';
import { createApiKeyProvider } from '../../../engine/filters/auth/api-key-provider.js';
import { hashApiKey } from '../../../engine/filters/auth/hash-api-key.js';
import { MemoryApiKeyStore } from '../../../engine/filters/auth/memory-api-key-store.js';
import { compileStaticApiKeys } from '../../../engine/filters/auth/static-api-keys.js';
import { apiKeyStoreSuite } from './fixtures/api-key-store-suite.js';
import { failureOf, reasonOf } from './fixtures/reason.js';
import { T0 } from './fixtures/tokens.js';
import { pick } from '../../helpers/pick.js';

const KEY = 'widget-key-0123456789abcdef';
const staticKeys = [
  { name: 'chat-widget', hash: hashApiKey(KEY), tier: 'pro', roles: ['widget'] },
  { name: 'old-partner', hash: hashApiKey('old-key'), tier: 'free', expires: '2020-01-01' },
];

function provider(settings: Parameters<typeof createApiKeyProvider>[0] = {}) {
  return createApiKeyProvider({ staticKeys, now: () => T0, ...settings });
}

t.test('hashApiKey is sha256:<hex of the key>', async (t) => {
  // sha256("abc"), from FIPS 180-2.
  t.equal(
    hashApiKey('abc'),
    'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

t.test('a valid static key gives its identity', async (t) => {
  t.same(await provider().verify(KEY), {
    subject: 'chat-widget',
    tier: 'pro',
    roles: ['widget'],
    permissions: [],
    method: 'api_key',
    expiresAt: undefined,
  });
});

t.test('a wrong key is unknown_key', async (t) => {
  t.equal(await reasonOf(provider().verify('widget-key-0123456789abcdeX')), 'unknown_key');
});

t.test('a key of another length is unknown_key', async (t) => {
  t.equal(await reasonOf(provider().verify('w')), 'unknown_key');
});

t.test('a very long key is unknown_key', async (t) => {
  t.equal(await reasonOf(provider().verify(KEY.repeat(100))), 'unknown_key');
});

t.test('an empty key is unknown_key', async (t) => {
  t.equal(await reasonOf(provider().verify('')), 'unknown_key');
});

t.test('a static key past its expires date is expired', async (t) => {
  t.equal(await reasonOf(provider().verify('old-key')), 'expired');
});

t.test('the header name defaults to x-api-key and is lower-cased', async (t) => {
  t.equal(provider().header, 'x-api-key');
  t.equal(provider({ header: 'X-Widget-Key' }).header, 'x-widget-key');
});

t.test('static keys that cannot be checked are refused at load', async (t) => {
  t.throws(() => compileStaticApiKeys([{ name: 'a', hash: 'plain-key' }]), /sha256:<64 hex/);
  t.throws(
    () => compileStaticApiKeys([{ name: 'a', hash: hashApiKey('x'), expires: 'soon' }]),
    /ISO date/,
  );
  t.throws(
    () =>
      compileStaticApiKeys([
        { name: 'a', hash: hashApiKey('x') },
        { name: 'a', hash: hashApiKey('y') },
      ]),
    /duplicate name/,
  );
});

t.test('a static hash is sha256: and 64 hex digits; a key without roles has none', async (t) => {
  const hash = hashApiKey('k');
  for (const bad of [`x${hash}`, `${hash}0`, ` ${hash}`, hash.toUpperCase()]) {
    t.throws(
      () => compileStaticApiKeys([{ name: 'a', hash: bad }]),
      { message: 'API key "a": hash must be sha256:<64 hex digits>' },
      JSON.stringify(bad),
    );
  }
  t.same(compileStaticApiKeys([{ name: 'a', hash }])('k'), {
    subject: 'a',
    roles: [],
    permissions: [],
    tier: undefined,
    method: 'api_key',
    expiresAt: undefined,
  });
});

t.test('one hash under two names is refused at load', async (t) => {
  t.throws(
    () =>
      compileStaticApiKeys([
        { name: 'a', hash: hashApiKey('k') },
        { name: 'b', hash: hashApiKey('k') },
      ]),
    /same hash/,
  );
});

t.test('lookup hashes once and compares with every configured hash', async (t) => {
  // Spy on node:crypto's timingSafeEqual through the builtin's exports object, synced into its
  // ESM bindings, to count the comparisons a lookup makes.
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const original = crypto.timingSafeEqual;
  const compared: number[] = [];
  crypto.timingSafeEqual = function countedCompare(a, b) {
    compared.push(a.byteLength, b.byteLength);
    return original(a, b);
  };
  syncBuiltinESMExports();
  t.teardown(() => {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  });
  const match = compileStaticApiKeys(
    ['k1', 'k2', 'k3'].map((k) => ({ name: k, hash: hashApiKey(k) })),
  );

  for (const [label, key] of [
    ['the first key', 'k1'],
    ['a wrong key of the same length', 'k9'],
    ['a key of another length', 'a-much-longer-key'],
  ] as const) {
    t.test(label, async (t) => {
      compared.length = 0;
      match(key);
      t.same(compared, Array(6).fill(32), 'three 32-byte compares');
    });
  }
});

t.test('managed keys through the provider', async (t) => {
  const clock = { ms: T0 };
  const store = new MemoryApiKeyStore(() => clock.ms);
  const p = provider({ store, now: () => clock.ms });

  t.test('a created key verifies, subject = its id', async (t) => {
    const created = await store.create({ name: 'Production API Key', tier: 'pro' });
    const expected = { subject: created.id, tier: 'pro', method: 'api_key' };
    t.same(pick(await p.verify(created.key), expected), expected);
  });
  t.test("an owner's key acts as its owner; its id is the clientId", async (t) => {
    const created = await store.create({ name: 'mine', tier: 'pro', owner: 'alice' });
    t.match(await p.verify(created.key), {
      subject: 'alice',
      clientId: created.id,
      tier: 'pro',
      method: 'api_key',
    });
  });
  t.test('a revoked key is revoked', async (t) => {
    const created = await store.create({ name: 'x' });
    await store.revoke(created.id);
    t.equal(await reasonOf(p.verify(created.key)), 'revoked');
  });
  t.test('an expired key is expired', async (t) => {
    const created = await store.create({ name: 'x', expiresAt: clock.ms + 10 });
    clock.ms += 10;
    t.equal(await reasonOf(p.verify(created.key)), 'expired');
  });
  t.test('static keys still work next to the store', async (t) => {
    t.equal((await p.verify(KEY)).subject, 'chat-widget');
  });
  t.test('an unknown key is unknown_key', async (t) => {
    t.equal(await reasonOf(p.verify('gwk_nope')), 'unknown_key');
  });
});

t.test('MemoryApiKeyStore files a key under its owner only', async (t) => {
  const store = new MemoryApiKeyStore(() => T0);
  await store.create({ name: 'unowned' });
  // Not under undefined either, which a caller without types could ask for.
  t.same(await store.listByOwner(undefined as unknown as string), []);
});

t.test('MemoryApiKeyStore', async (t) => {
  apiKeyStoreSuite(t, async (clock) => {
    const store = new MemoryApiKeyStore(() => clock.ms);
    return {
      store,
      clock,
      // Private fields, read for the leak check only.
      dump: async () => JSON.stringify([...store['byHash'], ...store['hashById']]),
    };
  });
});

t.test('a static key expires at its instant exactly, for verify and known alike', async (t) => {
  const ends = '2030-01-01T00:00:00Z';
  const at = Date.parse(ends);
  const clock = { ms: at - 1 };
  const p = createApiKeyProvider({
    staticKeys: [{ name: 'soon', hash: hashApiKey('soon-key'), expires: ends }],
    now: () => clock.ms,
  });
  t.equal((await p.verify('soon-key')).expiresAt, at);
  t.equal(p.known('soon-key')?.subject, 'soon');
  clock.ms = at;
  t.equal(await reasonOf(p.verify('soon-key')), 'expired');
  t.equal(p.known('soon-key'), null);
});

t.test('known: a valid static key without I/O, else null', async (t) => {
  const p = provider();
  t.same(p.known(KEY), {
    subject: 'chat-widget',
    roles: ['widget'],
    permissions: [],
    tier: 'pro',
    method: 'api_key',
    expiresAt: undefined,
  });
  t.equal(p.known('widget-key-0123456789abcdeX'), null, 'a wrong key');
  t.equal(p.known('old-key'), null, 'an expired key');
  t.equal(createApiKeyProvider({}).known(KEY), null, 'no static keys at all');
});

t.test('each refusal carries its message', async (t) => {
  const clock = { ms: T0 };
  const store = new MemoryApiKeyStore(() => clock.ms);
  const p = provider({ store, now: () => clock.ms });
  const revoked = await store.create({ name: 'r' });
  await store.revoke(revoked.id);
  const expired = await store.create({ name: 'e', expiresAt: clock.ms + 1 });
  clock.ms += 1;
  const message = async (key: string, q = p) => (await failureOf(q.verify(key))).message;
  t.equal(await message('gwk_nope'), 'Invalid API key');
  t.equal(await message('nope', provider()), 'Invalid API key', 'without a store');
  t.equal(await message('old-key'), 'API key has expired');
  t.equal(await message(expired.key), 'API key has expired');
  t.equal(await message(revoked.key), 'API key has been revoked');
});

t.test("a managed key's identity: exactly its fields, frozen", async (t) => {
  const clock = { ms: T0 };
  const store = new MemoryApiKeyStore(() => clock.ms);
  const p = createApiKeyProvider({ store, now: () => clock.ms });
  const created = await store.create({
    name: 'k',
    tier: 'pro',
    roles: ['reader', 'writer'],
    owner: 'alice',
    expiresAt: T0 + 60_000,
  });
  const identity = await p.verify(created.key);
  t.same(identity, {
    subject: 'alice',
    clientId: created.id,
    roles: ['reader', 'writer'],
    permissions: [],
    tier: 'pro',
    method: 'api_key',
    expiresAt: T0 + 60_000,
  });
  t.ok(Object.isFrozen(identity), 'the identity');
  t.ok(Object.isFrozen(identity.roles), 'its roles');
  t.ok(Object.isFrozen(identity.permissions), 'its permissions');
  const own = await store.create({ name: 'no owner', roles: [] });
  t.same(await p.verify(own.key), {
    subject: own.id,
    clientId: own.id,
    roles: [],
    permissions: [],
    tier: undefined,
    method: 'api_key',
    expiresAt: undefined,
  });
});
