import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, SignJWT } from 'jose';
import t from 'tap';
import { AuthFailure } from '../../../engine/filters/auth/auth-failure.js';
import {
  createJwtProvider,
  type JwtProviderSettings,
} from '../../../engine/filters/auth/jwt-provider.js';
import { failureOf, reasonOf } from './fixtures/reason.js';
import { forge, sign, T0, testKey } from './fixtures/tokens.js';
import { pick } from '../../helpers/pick.js';

const rs = await testKey('RS256');
const other = await testKey('RS256');
const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');

/** An RS256 provider on the test clock, with issuer and audience checks. */
function rsProvider(settings: Partial<JwtProviderSettings> = {}, clock = { ms: T0 }) {
  return createJwtProvider({
    publicKey: rs.pem,
    algorithms: ['RS256'],
    issuer: 'auth-service',
    audience: 'api-gateway',
    now: () => clock.ms,
    ...settings,
  });
}

const good = { sub: 'user-1', iss: 'auth-service', aud: 'api-gateway' };
const rsSign = (claims: object) => sign({ ...good, ...claims }, rs.privateKey, { alg: 'RS256' });

t.test('a valid token gives the identity its claims describe', async (t) => {
  const token = await rsSign({
    roles: ['admin', 'user'],
    permissions: ['read'],
    scope: 'write read',
    tier: 'pro',
    email: 'a@example.com',
    client_id: 'tenant-7',
  });
  const identity = await rsProvider().verify(token);
  const expected = {
    subject: 'user-1',
    clientId: 'tenant-7',
    roles: ['admin', 'user'],
    permissions: ['read', 'write'],
    tier: 'pro',
    email: 'a@example.com',
    method: 'jwt',
    expiresAt: T0 + 3600_000,
  };
  t.same(pick(identity, expected), expected, 'exactly these values');
});

t.test('claim names are configurable, with dotted paths into nested claims', async (t) => {
  const token = await rsSign({ realm_access: { roles: ['ops'] }, plan: 'enterprise', azp: 'web' });
  const identity = await rsProvider({ rolesClaim: 'realm_access.roles', tierClaim: 'plan' }).verify(
    token,
  );
  const expected = { roles: ['ops'], tier: 'enterprise', clientId: 'web' };
  t.same(pick(identity, expected), expected);
});

t.test('a single `role` string is a one-role list', async (t) => {
  const identity = await rsProvider().verify(await rsSign({ role: 'moderator' }));
  t.same(identity.roles, ['moderator']);
});

t.test('attack matrix: each forged or broken token is refused with its reason', async (t) => {
  const header = { alg: 'RS256' };
  const payload = { ...good, iat: T0 / 1000, exp: T0 / 1000 + 3600 };
  const valid = await rsSign({});
  const [h, p, s] = valid.split('.') as [string, string, string];

  const cases: Array<[string, () => Promise<string>, string]> = [
    ['alg none', async () => forge({ alg: 'none' }, payload), 'algorithm_not_allowed'],
    [
      'alg None (case variant)',
      async () => forge({ alg: 'None' }, payload),
      'algorithm_not_allowed',
    ],
    [
      'HS256 "signed" with the RS public key as HMAC secret',
      () =>
        new SignJWT(payload)
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(rs.pem)),
      'algorithm_not_allowed',
    ],
    ['expired', () => rsSign({ exp: T0 / 1000 - 1 }), 'expired'],
    ['not yet valid', () => rsSign({ nbf: T0 / 1000 + 60 }), 'not_yet_valid'],
    ['wrong issuer', () => rsSign({ iss: 'evil' }), 'bad_issuer'],
    ['wrong audience', () => rsSign({ aud: 'other-api' }), 'bad_audience'],
    [
      'tampered payload (role escalated, signature kept)',
      async () =>
        `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${s}`,
      'bad_signature',
    ],
    ['signed by another key', () => sign(good, other.privateKey, header), 'bad_signature'],
    ['truncated signature', async () => valid.slice(0, -10), 'bad_signature'],
    ['truncated to two parts', async () => `${h}.${p}`, 'malformed'],
    ['not base64url JSON', async () => 'abc.def.ghi', 'malformed'],
    ['64 KB token', async () => `${h}.${'A'.repeat(64 * 1024)}.${s}`, 'too_large'],
    ['missing sub', () => rsSign({ sub: undefined }), 'missing_claim'],
    ['exp of the wrong type', () => rsSign({ exp: 'tomorrow' }), 'invalid_claim'],
    ['nbf of the wrong type', () => rsSign({ nbf: 'soon' }), 'invalid_claim'],
    [
      'a signed payload that is no JSON object',
      () => new CompactSign(Buffer.from('[1,2]')).setProtectedHeader(header).sign(rs.privateKey),
      'malformed',
    ],
    [
      'a critical header parameter the verifier does not know',
      () =>
        new CompactSign(Buffer.from(JSON.stringify(payload)))
          .setProtectedHeader({ ...header, crit: ['x-ext'], 'x-ext': 1 })
          .sign(rs.privateKey, { crit: { 'x-ext': true } }),
      'malformed',
    ],
  ];
  /** The sentence each refusal carries: by reason, or by case where it names a claim. */
  const messages: Record<string, string> = {
    algorithm_not_allowed: 'Token algorithm is not allowed',
    expired: 'Token has expired',
    not_yet_valid: 'Token is not valid yet',
    bad_issuer: 'Token issuer is not accepted',
    bad_audience: 'Token audience is not accepted',
    bad_signature: 'Token signature is invalid',
    malformed: 'Token is malformed',
    too_large: 'Token is too large',
    'missing sub': 'Token is missing the "sub" claim',
    'exp of the wrong type': 'Token claim "exp" is invalid',
    'nbf of the wrong type': 'Token claim "nbf" is invalid',
  };

  for (const [name, make, reason] of cases) {
    t.test(name, async (t) => {
      const token = await make();
      const failure = await failureOf(rsProvider().verify(token));
      t.equal(failure.reason, reason);
      t.equal(failure.message, messages[name] ?? messages[reason]);
      t.notOk(failure.message.includes(s), 'the message does not quote the token');
    });
  }
});

t.test(
  'a 64 KB token is refused before parsing: garbage gets too_large, not malformed',
  async (t) => {
    t.equal(await reasonOf(rsProvider().verify('%'.repeat(64 * 1024))), 'too_large');
  },
);

t.test('maxTokenBytes is configurable', async (t) => {
  const token = await rsSign({});
  t.equal(
    await reasonOf(rsProvider({ maxTokenBytes: token.length - 1 }).verify(token)),
    'too_large',
  );
  t.equal(
    (await rsProvider({ maxTokenBytes: token.length }).verify(token)).subject,
    'user-1',
    'a token of exactly maxTokenBytes is checked',
  );
});

t.test('leeway accepts a token that expired within it', async (t) => {
  const token = await rsSign({ exp: T0 / 1000 - 20 });
  t.equal((await rsProvider({ leewaySeconds: 30 }).verify(token)).subject, 'user-1');
});

t.test('an audience list accepts any one of its entries', async (t) => {
  const token = await rsSign({ aud: ['x', 'api-gateway'] });
  t.equal((await rsProvider({ audience: ['web', 'api-gateway'] }).verify(token)).subject, 'user-1');
});

t.test('requiredClaims adds claims that must be present', async (t) => {
  const failure = await failureOf(
    rsProvider({ requiredClaims: ['sub', 'tier'] }).verify(await rsSign({})),
  );
  t.match(failure, { reason: 'missing_claim', message: 'Token is missing the "tier" claim' });
});

t.test('a token without exp is refused by default; a list without exp opts out', async (t) => {
  const lasting = await rsSign({ exp: undefined });
  t.match(await failureOf(rsProvider().verify(lasting)), {
    reason: 'missing_claim',
    message: 'Token is missing the "exp" claim',
  });
  t.equal((await rsProvider({ requiredClaims: ['sub'] }).verify(lasting)).subject, 'user-1');
});

t.test('without a sub claim requirement, a client id is the subject', async (t) => {
  const token = await rsSign({ sub: undefined, client_id: 'svc-billing' });
  t.equal((await rsProvider({ requiredClaims: [] }).verify(token)).subject, 'svc-billing');
});

t.test('a token with neither sub nor a client id has no subject', async (t) => {
  const failure = await failureOf(
    rsProvider({ requiredClaims: [] }).verify(await rsSign({ sub: undefined })),
  );
  t.match(failure, { reason: 'missing_claim', message: 'Token has no subject' });
});

t.test('missing credentials become a 401 with a bare Bearer challenge', async (t) => {
  const err = new AuthFailure('missing_credentials', 'Authentication required').toGatewayError();
  t.match(err, {
    code: 'UNAUTHORIZED',
    status: 401,
    headers: [['www-authenticate', 'Bearer realm="gatewayd"']],
  });
});

t.test('an AuthFailure becomes a 401 with a Bearer challenge', async (t) => {
  const failure = await failureOf(rsProvider().verify(await rsSign({ exp: T0 / 1000 - 1 })));
  t.match(failure.toGatewayError(), {
    code: 'UNAUTHORIZED',
    status: 401,
    message: 'Token has expired',
    headers: [['www-authenticate', 'Bearer realm="gatewayd", error="invalid_token"']],
  });
});

t.test('every algorithm family verifies', async (t) => {
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    t.test(alg, async (t) => {
      const token = await sign(good, secret, { alg });
      const provider = createJwtProvider({ secret, algorithms: [alg], now: () => T0 });
      t.equal((await provider.verify(token)).subject, 'user-1');
    });
  }
  for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    t.test(alg, async (t) => {
      const key = await testKey(alg);
      const token = await sign(good, key.privateKey, { alg });
      const provider = createJwtProvider({ publicKey: key.pem, algorithms: [alg], now: () => T0 });
      t.equal((await provider.verify(token)).subject, 'user-1');
    });
  }
});

t.test('a string secret works as in seed 001 (secret + HS256)', async (t) => {
  const token = await sign(good, new TextEncoder().encode('s3cret'), { alg: 'HS256' });
  const provider = createJwtProvider({ secret: 's3cret', algorithms: ['HS256'], now: () => T0 });
  t.equal((await provider.verify(token)).subject, 'user-1');
});

t.test('an HS256 token is refused by a secret provider allowing only HS512', async (t) => {
  const token = await sign(good, secret, { alg: 'HS256' });
  const provider = createJwtProvider({ secret, algorithms: ['HS512'], now: () => T0 });
  t.equal(await reasonOf(provider.verify(token)), 'algorithm_not_allowed');
});

t.test('settings that could not verify safely are refused at load', async (t) => {
  t.throws(() => createJwtProvider({ algorithms: ['RS256'] }), /exactly one/);
  t.throws(
    () => createJwtProvider({ secret, publicKey: rs.pem, algorithms: ['HS256'] }),
    /exactly one/,
  );
  t.throws(
    () => createJwtProvider({ publicKey: rs.pem, algorithms: ['RS256', 'HS256'] }),
    /HS256 needs a secret/,
  );
  t.throws(() => createJwtProvider({ secret, algorithms: ['RS256'] }), /secret only verifies/);
  t.throws(() => createJwtProvider({ secret, algorithms: ['none'] }), /unsupported algorithm/);
  t.throws(() => createJwtProvider({ secret, algorithms: [] }), /must not be empty/);
  t.throws(() => createJwtProvider({ publicKey: rs.pem, algorithms: ['ES256'] }), /cannot verify/);
  t.throws(() => createJwtProvider({ publicKey: 'not a pem', algorithms: ['RS256'] }), /PEM/);
});

t.test('load refusals: the exact sentences', async (t) => {
  const refusal = (settings: JwtProviderSettings) => {
    try {
      createJwtProvider(settings);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const ec256 = await testKey('ES256');
  t.equal(
    refusal({ publicKey: rs.pem, algorithms: ['ES256'] }),
    'jwt: the rsa publicKey cannot verify ES256',
  );
  t.equal(
    refusal({ publicKey: ec256.pem, algorithms: ['ES384'] }),
    'jwt: the ec publicKey (prime256v1) cannot verify ES384',
  );
  t.equal(
    refusal({ publicKey: ec256.pem, algorithms: ['RS256'] }),
    'jwt: the ec publicKey (prime256v1) cannot verify RS256',
  );
  const { publicKey: short } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  t.equal(
    refusal({
      publicKey: short.export({ type: 'spki', format: 'pem' }) as string,
      algorithms: ['RS256'],
    }),
    'jwt: RSA publicKey has 1024 bits; at least 2048 are required',
  );
  t.equal(refusal({ secret: '', algorithms: ['HS256'] }), 'jwt: secret must not be empty');
  t.equal(
    refusal({ secret, algorithms: ['HS256', 'RS256'] }),
    'jwt: a secret only verifies HS256, HS384 or HS512',
  );
  t.equal(
    refusal({ publicKey: rs.pem, algorithms: ['HS256', 'HS512'] }),
    'jwt: HS256, HS512 needs a secret, not a public key',
  );
  t.equal(refusal({ secret, algorithms: ['none'] }), 'jwt: unsupported algorithm "none"');
  // A name every object inherits is no algorithm: refused as one, not a TypeError at the key check.
  t.equal(
    refusal({ publicKey: rs.pem, algorithms: ['toString'] }),
    'jwt: unsupported algorithm "toString"',
  );
  t.equal(
    refusal({ secret, publicKey: rs.pem, algorithms: ['HS256'] }),
    'jwt: give exactly one of secret, publicKey or jwksUrl',
  );
  t.equal(refusal({ secret, algorithms: [] }), 'jwt: algorithms must not be empty');
  t.equal(
    refusal({ publicKey: 'not a pem', algorithms: ['RS256'] }),
    'jwt: publicKey is not a PEM public key or certificate',
  );
  const numbers: Array<[Partial<JwtProviderSettings>, string]> = [
    [{ leewaySeconds: -1 }, 'jwt: leewaySeconds must be a number >= 0, got -1'],
    [{ maxTokenBytes: 0 }, 'jwt: maxTokenBytes must be a number >= 1, got 0'],
    [{ cacheSize: -1 }, 'jwt: cacheSize must be a number >= 0, got -1'],
    [{ cacheTtlMs: Number.NaN }, 'jwt: cacheTtlMs must be a number >= 0, got NaN'],
    [{ leewaySeconds: Infinity }, 'jwt: leewaySeconds must be a number >= 0, got Infinity'],
  ];
  for (const [bad, sentence] of numbers) {
    t.equal(refusal({ secret, algorithms: ['HS256'], ...bad }), sentence, sentence);
  }
  t.equal(refusal({ secret, algorithms: ['HS256'], leewaySeconds: 0, maxTokenBytes: 1 }), null);
});

t.test('a key fits every algorithm of its family, and only those', async (t) => {
  t.doesNotThrow(() =>
    createJwtProvider({
      publicKey: rs.pem,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
    }),
  );
  const { publicKey: pss } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
  const pssPem = pss.export({ type: 'spki', format: 'pem' }) as string;
  t.doesNotThrow(() =>
    createJwtProvider({ publicKey: pssPem, algorithms: ['PS256', 'PS384', 'PS512'] }),
  );
  t.throws(
    () => createJwtProvider({ publicKey: pssPem, algorithms: ['RS256'] }),
    new RangeError('jwt: the rsa-pss publicKey cannot verify RS256'),
  );
  const ed = await testKey('EdDSA');
  t.doesNotThrow(() => createJwtProvider({ publicKey: ed.pem, algorithms: ['EdDSA', 'Ed25519'] }));
  const curves: Array<[string, string]> = [
    ['ES256', 'prime256v1'],
    ['ES384', 'secp384r1'],
    ['ES512', 'secp521r1'],
  ];
  for (const [alg, namedCurve] of curves) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    t.doesNotThrow(() => createJwtProvider({ publicKey: pem, algorithms: [alg] }), alg);
  }
});

t.test('verified-token cache', async (t) => {
  // Count real signature checks: jose verifies through WebCrypto's subtle.verify.
  const subtle = globalThis.crypto.subtle;
  const original = subtle.verify;
  let checks = 0;
  subtle.verify = function countedVerify(this: unknown, ...args) {
    checks++;
    return original.apply(this, args);
  } as typeof subtle.verify;
  t.teardown(() => {
    subtle.verify = original;
  });

  t.test('a repeat token is answered from the cache, without a signature check', async (t) => {
    const provider = rsProvider();
    const token = await rsSign({});
    const first = await provider.verify(token);
    const before = checks;
    const second = await provider.verify(token);
    t.equal(checks, before, 'no signature check on the second call');
    t.equal(second, first, 'the cached identity is returned');
  });

  t.test('with cacheSize 0 every call checks the signature', async (t) => {
    const provider = rsProvider({ cacheSize: 0 });
    const token = await rsSign({});
    await provider.verify(token);
    const before = checks;
    await provider.verify(token);
    t.equal(checks, before + 1);
  });

  t.test('a cached token that has since expired is re-verified and refused', async (t) => {
    const clock = { ms: T0 };
    const provider = rsProvider({}, clock);
    const token = await rsSign({ exp: T0 / 1000 + 30 });
    await provider.verify(token);
    clock.ms = T0 + 31_000;
    const before = checks;
    t.equal(await reasonOf(provider.verify(token)), 'expired');
    t.equal(checks, before + 1, 'the signature was checked again');
  });

  t.test('a cached entry is trusted for cacheTtlMs at most', async (t) => {
    const clock = { ms: T0 };
    const provider = rsProvider({ cacheTtlMs: 1000 }, clock);
    const token = await rsSign({});
    await provider.verify(token);
    clock.ms = T0 + 1000;
    const before = checks;
    await provider.verify(token);
    t.equal(checks, before + 1);
  });

  t.test('a token without exp is cached for cacheTtlMs', async (t) => {
    const clock = { ms: T0 };
    const provider = rsProvider({ requiredClaims: ['sub'], cacheTtlMs: 1000 }, clock);
    const token = await rsSign({ exp: undefined });
    const identity = await provider.verify(token);
    const before = checks;
    t.equal(await provider.verify(token), identity);
    t.equal(checks, before, 'no signature check on the second call');
  });

  t.test('within the leeway, an entry lasts until exp plus the leeway', async (t) => {
    const clock = { ms: T0 };
    const provider = rsProvider({ leewaySeconds: 30 }, clock);
    const token = await rsSign({ exp: T0 / 1000 - 20 });
    const identity = await provider.verify(token);
    clock.ms = T0 + 9_999;
    t.equal(provider.known(token), identity, 'exp + 30 s is 10 s after T0');
    clock.ms = T0 + 10_000;
    t.equal(provider.known(token), null);
  });

  t.test('a token that could be trusted for no time is not stored', async (t) => {
    // exp half a second past T0: jose, which counts whole seconds, accepts it at T0 + 500 ms,
    // but the cache would have to drop it at once. Stored, it would evict the one entry.
    const clock = { ms: T0 };
    const provider = rsProvider({ cacheSize: 1 }, clock);
    const kept = await rsSign({});
    const keptIdentity = await provider.verify(kept);
    clock.ms = T0 + 500;
    const brief = await rsSign({ sub: 'user-2', exp: T0 / 1000 + 0.5 });
    t.equal((await provider.verify(brief)).subject, 'user-2');
    t.equal(provider.known(kept), keptIdentity, 'the entry already held stays');
    t.equal(provider.known(brief), null);
  });

  t.test('failures are not cached: a refused token is checked every time', async (t) => {
    const provider = rsProvider();
    const token = await rsSign({ iss: 'evil' });
    t.equal(await reasonOf(provider.verify(token)), 'bad_issuer');
    const before = checks;
    t.equal(await reasonOf(provider.verify(token)), 'bad_issuer');
    t.equal(checks, before + 1);
  });
});

t.test('known: the identity of a token verified and still valid, else null', async (t) => {
  const clock = { ms: T0 };
  const provider = rsProvider({ cacheTtlMs: 1000 }, clock);
  const token = await rsSign({});
  t.equal(provider.known(token), null, 'not verified yet');
  const identity = await provider.verify(token);
  t.equal(provider.known(token), identity);
  clock.ms = T0 + 999;
  t.equal(provider.known(token), identity, 'just inside cacheTtlMs');
  clock.ms = T0 + 1000;
  t.equal(provider.known(token), null, 'cacheTtlMs has passed');
  const uncached = rsProvider({ cacheSize: 0 });
  await uncached.verify(token);
  t.equal(uncached.known(token), null, 'no cache, nothing known');
});

t.test('identities are frozen: a filter cannot alter what later filters see', async (t) => {
  const identity = await rsProvider().verify(await rsSign({ roles: ['user'] }));
  t.ok(Object.isFrozen(identity));
  t.ok(Object.isFrozen(identity.roles));
});
