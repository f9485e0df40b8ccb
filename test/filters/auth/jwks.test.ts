import t from 'tap';
import {
  createJwtProvider,
  type JwtProviderSettings,
} from '../../../engine/filters/auth/jwt-provider.js';
import { startJwksServer, type JwksServer } from './fixtures/jwks-server.js';
import { reasonOf } from './fixtures/reason.js';
import { sign, T0, testKey, type TestKey } from './fixtures/tokens.js';

const k1 = await testKey('RS256', 'k1');
const k2 = await testKey('RS256', 'k2');
const ec = await testKey('ES256', 'ec1');

/** A JWKS provider on a fake clock; the token cache is off so every call reaches the keys. */
function jwksProvider(server: JwksServer, settings: Partial<JwtProviderSettings> = {}) {
  const clock = { ms: T0 };
  const errors: Error[] = [];
  const provider = createJwtProvider({
    jwksUrl: server.url,
    algorithms: ['RS256', 'ES256'],
    cacheSize: 0,
    now: () => clock.ms,
    onJwksError: (err) => errors.push(err),
    ...settings,
  });
  return { provider, clock, errors };
}

/** A token signed by `key`, naming `kid` in its header (none when null). */
function tokenFor(key: TestKey, claims: object = {}, kid: string | null = key.jwk.kid ?? null) {
  return sign({ sub: 'user-1', ...claims }, key.privateKey, {
    alg: key.alg,
    kid: kid ?? undefined,
  });
}

t.test('tokens verify against the fetched keys; the set is fetched once', async (t) => {
  const server = await startJwksServer(t, [k1.jwk, ec.jwk]);
  const { provider } = jwksProvider(server);
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
  t.equal((await provider.verify(await tokenFor(ec, { sub: 'user-2' }))).subject, 'user-2');
  t.equal(server.fetches, 1);
});

t.test('a rotated-in kid triggers a refetch once the cooldown has passed', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  server.keys = [k1.jwk, k2.jwk];
  clock.ms += 30_000;
  t.equal((await provider.verify(await tokenFor(k2))).subject, 'user-1');
  t.equal(server.fetches, 2);
});

t.test('unknown kids refetch at most once per cooldown', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server, { jwksCooldownMs: 30_000 });
  await provider.verify(await tokenFor(k1));
  clock.ms += 30_000;
  const stranger = await tokenFor(k2, {}, 'k9');
  t.equal(await reasonOf(provider.verify(stranger)), 'unknown_key', 'first unknown kid');
  t.equal(server.fetches, 2, 'the first unknown kid refetched');
  for (let i = 0; i < 5; i++) await reasonOf(provider.verify(stranger));
  t.equal(server.fetches, 2, 'five more unknown kids within the cooldown did not');
  clock.ms += 30_000;
  await reasonOf(provider.verify(stranger));
  t.equal(server.fetches, 3, 'after the cooldown one more refetch');
});

t.test('concurrent unknown kids share one fetch', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  server.keys = [k1.jwk, k2.jwk];
  clock.ms += 30_000;
  const token = await tokenFor(k2);
  const results = await Promise.all([1, 2, 3, 4].map(() => provider.verify(token)));
  t.equal(results.length, 4);
  t.equal(server.fetches, 2);
});

t.test('JWKS host down: cached kids keep verifying, unknown kids are refused', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock, errors } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  await server.stop();
  clock.ms += 60_000;

  t.test('a token with a cached kid verifies', async (t) => {
    t.equal((await provider.verify(await tokenFor(k1, { sub: 'user-3' }))).subject, 'user-3');
  });
  t.test('a token with an unknown kid is refused as unknown_key', async (t) => {
    t.equal(await reasonOf(provider.verify(await tokenFor(k2))), 'unknown_key');
  });
  t.test('the failed refetch was reported', async (t) => {
    t.ok(errors.length >= 1);
  });
  t.test('a stale set past maxAge still verifies while the host is down', async (t) => {
    clock.ms += 20 * 60_000;
    t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
  });
});

t.test('no key ever fetched: tokens are refused as jwks_unavailable', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  await server.stop();
  const { provider, errors } = jwksProvider(server);
  t.equal(await reasonOf(provider.verify(await tokenFor(k1))), 'jwks_unavailable');
  t.equal(errors.length, 1);
});

t.test('a JWKS answering an HTTP error leaves the cached keys in use', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock, errors } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  server.status = 500;
  clock.ms += 30_000;
  t.equal(await reasonOf(provider.verify(await tokenFor(k2))), 'unknown_key');
  t.match(errors, [{ message: /answered 500/ }]);
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
});

t.test('a JWKS host that never answers is abandoned after jwksTimeoutMs', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, errors } = jwksProvider(server, { jwksTimeoutMs: 200 });
  const provider2 = createJwtProvider({
    jwksUrl: server.hangingUrl,
    algorithms: ['RS256'],
    jwksTimeoutMs: 200,
    onJwksError: (err) => errors.push(err),
  });
  const started = performance.now();
  t.equal(await reasonOf(provider2.verify(await tokenFor(k1))), 'jwks_unavailable');
  t.ok(performance.now() - started < 2000, 'gave up within the timeout');
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1', 'other URL unaffected');
});

t.test('a set older than jwksMaxAgeMs is refreshed in the background', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server, { jwksMaxAgeMs: 60_000 });
  await provider.verify(await tokenFor(k1));
  clock.ms += 60_000;
  const refreshed = server.nextFetch();
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
  await refreshed;
  t.equal(server.fetches, 2);
});

t.test('a kid-less token is tried against every matching key', async (t) => {
  const server = await startJwksServer(t, [k1.jwk, k2.jwk]);
  const { provider } = jwksProvider(server);
  t.equal((await provider.verify(await tokenFor(k2, {}, null))).subject, 'user-1');
});

t.test('a kid-less token that no key verifies is a bad signature', async (t) => {
  const server = await startJwksServer(t, [k1.jwk, k2.jwk]);
  const { provider } = jwksProvider(server);
  const stranger = await testKey('RS256');
  t.equal(await reasonOf(provider.verify(await tokenFor(stranger, {}, null))), 'bad_signature');
});

t.test('an HS256 token against a JWKS is refused by the algorithm list', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider } = jwksProvider(server);
  const hs = await sign({ sub: 'x' }, new TextEncoder().encode('secret'), { alg: 'HS256' });
  t.equal(await reasonOf(provider.verify(hs)), 'algorithm_not_allowed');
  t.equal(server.fetches, 0, 'refused before any key was fetched');
});
