import { generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FlattenedJWSInput } from 'jose';
import t from 'tap';
import { AuthFailure } from '../../../engine/filters/auth/auth-failure.js';
import { JwksCache, type JwksCacheSettings } from '../../../engine/filters/auth/jwks-cache.js';
import {
  createJwtProvider,
  type JwtProviderSettings,
} from '../../../engine/filters/auth/jwt-provider.js';
import { startJwksServer, type JwksServer } from './fixtures/jwks-server.js';
import { failureOf, reasonOf } from './fixtures/reason.js';
import { forge, sign, T0, testKey, type TestKey } from './fixtures/tokens.js';

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
  const failure = await failureOf(provider.verify(await tokenFor(k1)));
  t.same(
    { reason: failure.reason, message: failure.message },
    { reason: 'jwks_unavailable', message: 'Token signing keys are unavailable' },
  );
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
  const failure = await failureOf(provider.verify(await tokenFor(stranger, {}, null)));
  t.same(
    { reason: failure.reason, message: failure.message },
    { reason: 'bad_signature', message: 'Token signature is invalid' },
  );
});

t.test('a kid-less token that one of several keys signed is judged on its claims', async (t) => {
  const server = await startJwksServer(t, [k1.jwk, k2.jwk]);
  const { provider } = jwksProvider(server);
  const expired = await tokenFor(k2, { exp: T0 / 1000 - 1 }, null);
  t.equal(await reasonOf(provider.verify(expired)), 'expired');
});

t.test('a kid-less token whose keys rotate in several at once is tried against each', async (t) => {
  const ec2 = await testKey('ES256', 'ec2');
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  server.keys = [ec.jwk, ec2.jwk];
  clock.ms += 30_000;
  const token = await tokenFor(ec2, { sub: 'user-4' }, null);
  t.equal((await provider.verify(token)).subject, 'user-4');
  t.equal(server.fetches, 2);
});

t.test('a key jose will not use (RSA under 2048 bits) leaves the token unverified', async (t) => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    format: 'jwk',
  });
  const server = await startJwksServer(t, [{ ...weak, kid: 'weak', alg: 'RS256', use: 'sig' }]);
  const { provider } = jwksProvider(server);
  const token = forge({ alg: 'RS256', kid: 'weak' }, { sub: 'u', exp: T0 / 1000 + 60 }, 'c2ln');
  const failure = await failureOf(provider.verify(token));
  t.same(
    { reason: failure.reason, message: failure.message },
    { reason: 'bad_signature', message: 'Token could not be verified' },
  );
});

/** Counts the JWKS fetches as they start (the cache calls the global fetch), not as they land. */
function countFetches(t: { teardown(fn: () => unknown): void }): { readonly count: number } {
  const original = globalThis.fetch;
  const counter = { count: 0 };
  globalThis.fetch = function countedFetch(...args: Parameters<typeof fetch>) {
    counter.count++;
    return original(...args);
  };
  t.teardown(() => {
    globalThis.fetch = original;
  });
  return counter;
}

t.test('a set younger than its max age is not fetched again, cooldown or not', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const fetches = countFetches(t);
  const { provider, clock } = jwksProvider(server);
  await provider.verify(await tokenFor(k1));
  t.equal(fetches.count, 1);
  clock.ms += 10 * 60_000 - 1;
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
  t.equal(fetches.count, 1, 'a millisecond short of the default max age of 10 minutes');
  clock.ms += 1;
  const refreshed = server.nextFetch();
  t.equal((await provider.verify(await tokenFor(k1))).subject, 'user-1');
  t.equal(fetches.count, 2, 'at the max age a refresh has started');
  await refreshed;
});

t.test('jwksCooldownMs sets the time between two fetches', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider, clock } = jwksProvider(server, { jwksCooldownMs: 5_000 });
  await provider.verify(await tokenFor(k1));
  const stranger = await tokenFor(k2, {}, 'k9');
  clock.ms += 4_999;
  t.equal(await reasonOf(provider.verify(stranger)), 'unknown_key');
  t.equal(server.fetches, 1, 'within the cooldown');
  clock.ms += 1;
  t.equal(await reasonOf(provider.verify(stranger)), 'unknown_key');
  t.equal(server.fetches, 2, 'after it');
});

/** The key cache itself, on a fake clock, telling its fetch errors by message. */
function jwksCache(server: JwksServer, settings: Partial<JwksCacheSettings> = {}) {
  const clock = { ms: T0 };
  const errors: string[] = [];
  const cache = new JwksCache({
    url: server.url,
    timeoutMs: 2_000,
    cooldownMs: 30_000,
    maxAgeMs: 10 * 60_000,
    maxBytes: 1024 * 1024,
    now: () => clock.ms,
    onError: (err) => errors.push(err.message),
    ...settings,
  });
  return { cache, clock, errors };
}

/** jose reads nothing of the token but its header, given apart. */
const NO_TOKEN: FlattenedJWSInput = { payload: '', signature: '' };

/** What getKey ended with: 'key', or the AuthFailure's reason and message, or another error. */
async function lookup(cache: JwksCache, kid: string): Promise<string> {
  try {
    await cache.getKey({ alg: 'RS256', kid }, NO_TOKEN);
    return 'key';
  } catch (err) {
    if (err instanceof AuthFailure) return `${err.reason}: ${err.message}`;
    return `not an AuthFailure: ${String(err)}`;
  }
}

t.test('a kid neither the held nor a refreshed set has is an unknown key', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { cache, clock } = jwksCache(server);
  t.equal(await lookup(cache, 'k1'), 'key');
  t.equal(server.accept, 'application/jwk-set+json, application/json', 'what it asks for');
  t.equal(await lookup(cache, 'k9'), 'unknown_key: Token signing key is not known', 'cooldown');
  server.keys = [k1.jwk, k2.jwk];
  clock.ms += 30_000;
  t.equal(await lookup(cache, 'k9'), 'unknown_key: Token signing key is not known', 'refetched');
  t.equal(server.fetches, 2);
  t.equal(await lookup(cache, 'k2'), 'key');
});

t.test('an answer without a body (304) is a failed fetch like any other', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  server.status = 304;
  const { cache, errors } = jwksCache(server);
  t.equal(await lookup(cache, 'k1'), 'jwks_unavailable: Token signing keys are unavailable');
  t.same(errors, [`JWKS ${server.url} answered 304`]);
});

t.test('the size bound: a set of exactly maxBytes is read, one byte more is not', async (t) => {
  const body = JSON.stringify({ keys: [k1.jwk] });
  const chunked = (res: ServerResponse, text: string) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(text.slice(0, 10));
    res.end(text.slice(10));
  };
  const tooLarge = (server: JwksServer, bytes: number) =>
    `JWKS ${server.url} is larger than ${bytes} bytes`;

  for (const [framing, respond] of [
    ['declared', undefined],
    ['chunked, without a length', chunked],
  ] as const) {
    t.test(framing, async (t) => {
      const server = await startJwksServer(t, [k1.jwk]);
      if (respond !== undefined) server.respond = respond;
      t.equal(await lookup(jwksCache(server, { maxBytes: body.length }).cache, 'k1'), 'key');
      const small = jwksCache(server, { maxBytes: body.length - 1 });
      t.equal(
        await lookup(small.cache, 'k1'),
        'jwks_unavailable: Token signing keys are unavailable',
      );
      t.same(small.errors, [tooLarge(server, body.length - 1)]);
    });
  }
  t.test('a declared length over the bound is refused before the body arrives', async (t) => {
    const server = await startJwksServer(t, [k1.jwk]);
    server.respond = (res, text) => {
      res.writeHead(200, { 'content-length': String(text.length + 1000) });
      res.write(text.slice(0, 10)); // and nothing more: only stop() ends it
    };
    const { cache, errors } = jwksCache(server, { maxBytes: body.length, timeoutMs: 5_000 });
    const started = performance.now();
    t.equal(await lookup(cache, 'k1'), 'jwks_unavailable: Token signing keys are unavailable');
    t.same(errors, [tooLarge(server, body.length)]);
    t.ok(performance.now() - started < 4_000, 'without waiting for the timeout');
  });
  t.test('a chunked answer that never ends is refused at the bound', async (t) => {
    const server = await startJwksServer(t, [k1.jwk]);
    server.respond = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = () => {
        if (!res.destroyed) res.write(' '.repeat(4096), () => setImmediate(more));
      };
      more();
    };
    const { cache, errors } = jwksCache(server, { maxBytes: 64 * 1024, timeoutMs: 5_000 });
    const started = performance.now();
    t.equal(await lookup(cache, 'k1'), 'jwks_unavailable: Token signing keys are unavailable');
    t.same(errors, [tooLarge(server, 64 * 1024)]);
    t.ok(performance.now() - started < 4_000, 'without waiting for the timeout');
  });
  t.test('the bound counts bytes, not characters', async (t) => {
    const server = await startJwksServer(t, [k1.jwk]);
    // Two-byte characters in a field jose ignores: the text is shorter than the bound, its
    // bytes are not.
    const wide = JSON.stringify({ keys: [k1.jwk], note: 'é'.repeat(100) });
    server.respond = (res) => chunked(res, wide);
    const bytes = Buffer.byteLength(wide);
    t.ok(wide.length < bytes - 50);
    const fits = jwksCache(server, { maxBytes: bytes });
    t.equal(await lookup(fits.cache, 'k1'), 'key');
    const small = jwksCache(server, { maxBytes: bytes - 1 });
    t.equal(
      await lookup(small.cache, 'k1'),
      'jwks_unavailable: Token signing keys are unavailable',
    );
    t.same(small.errors, [tooLarge(server, bytes - 1)]);
  });
  t.test('a declared length over the bound on an answer without a body', async (t) => {
    const server = await startJwksServer(t, [k1.jwk]);
    server.respond = (res) => {
      res.writeHead(204, { 'content-length': String(body.length + 1) });
      res.end();
    };
    const { cache, errors } = jwksCache(server, { maxBytes: body.length });
    t.equal(await lookup(cache, 'k1'), 'jwks_unavailable: Token signing keys are unavailable');
    t.same(errors, [tooLarge(server, body.length)]);
  });
});

t.test('a success without a body (204) is a failed fetch that says so', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  server.respond = (res) => {
    res.writeHead(204);
    res.end();
  };
  const { cache, errors } = jwksCache(server);
  t.equal(await lookup(cache, 'k1'), 'jwks_unavailable: Token signing keys are unavailable');
  t.same(errors, [`JWKS ${server.url} answered 204 without a body`]);
});

t.test('an HS256 token against a JWKS is refused by the algorithm list', async (t) => {
  const server = await startJwksServer(t, [k1.jwk]);
  const { provider } = jwksProvider(server);
  const hs = await sign({ sub: 'x' }, new TextEncoder().encode('secret'), { alg: 'HS256' });
  t.equal(await reasonOf(provider.verify(hs)), 'algorithm_not_allowed');
  t.equal(server.fetches, 0, 'refused before any key was fetched');
});
