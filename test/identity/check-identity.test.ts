import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import {
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../../engine/identity/password-hash.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const ROUTE = ['routes:', '  - { path: /r, direct_response: { status: 200 } }'];

/** Errors and warnings alike, as `CODE line:col message`. */
function report(lines: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const result = loadConfigText([...lines, ...ROUTE].join('\n'), 'gateway.yaml', env);
  const problems: ConfigProblem[] = result.ok ? result.warnings : result.problems;
  return problems.map((p) => `${p.code} ${p.line}:${p.column} ${p.message}`);
}

const HS = [`auth:`, `  jwt: { secret: "${SECRET}", algorithm: HS256, issuer: me, audience: api }`];

t.test('a valid identity block loads without problems', async (t) => {
  const hash = await hashPassword('long-enough-password', { ln: 14, r: 8, p: 1 });
  t.same(
    report(
      [
        ...HS,
        'identity:',
        '  token: { ttl: 15m }',
        '  bootstrap_users:',
        `    - { username: admin, password_hash: '${hash}', roles: [admin] }`,
        '    - { username: ops, password: "${OPS_PASSWORD}" }',
        '  paths: { prefix: /auth, session_get: "/auth/s/{session_id}", admin_stats: false }',
      ],
      { OPS_PASSWORD: 'ops-password-1' },
    ),
    [],
  );
});

t.test('tokens auth.jwt would refuse are config errors, at their key', async (t) => {
  t.match(report(['identity: {}']), [
    /^GW_ERR_CONFIG_IDENTITY 1:1 identity issues JWTs, but there is no auth.jwt/,
  ]);
  t.match(
    report([...HS, 'identity:', '  token: { issuer: other, audience: web, algorithm: HS512 }']),
    [
      /GW_ERR_CONFIG_IDENTITY 4:\d+ identity.token.issuer "other" is not auth.jwt.issuer "me"/,
      /GW_ERR_CONFIG_IDENTITY 4:\d+ identity.token.audience names none of auth.jwt.audience/,
      /GW_ERR_CONFIG_IDENTITY 4:\d+ identity.token.algorithm HS512 is not one auth.jwt accepts/,
    ],
  );
  t.match(
    report([
      'auth:',
      '  jwt: { jwks_url: "https://id.example.com/jwks.json", algorithm: RS256 }',
      'identity: {}',
    ]),
    [/identity cannot sign tokens that auth.jwt.jwks_url verifies/],
  );
  t.match(
    report([
      `auth:`,
      `  jwt: { secret: "${SECRET}", algorithm: HS256, required_claims: [sub, org_id] }`,
      'identity: {}',
    ]),
    [/auth.jwt requires the "org_id" claim, which identity tokens never carry/],
  );
  t.match(
    report([
      ...HS.slice(0, 1),
      `  jwt: { secret: "${SECRET}", algorithm: HS256, require_session: true }`,
    ]),
    [/GW_ERR_CONFIG_IDENTITY 2:\d+ auth.jwt.require_session needs the identity module/],
  );
  t.match(report([...HS, 'identity: { store: redis }']), [
    /GW_ERR_CONFIG_REDIS_REQUIRED 3:\d+ identity.store is redis/,
  ]);
});

t.test('an RS256 private key must be the pair of auth.jwt.public_key', async (t) => {
  const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const a = pair();
  const b = pair();
  const pub = a.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const env = {
    PUB: pub,
    MINE: a.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    OTHER: b.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const base = ['auth:', '  jwt: { public_key: "${PUB}", algorithm: RS256 }'];
  t.same(report([...base, 'identity: { token: { private_key: "${MINE}" } }'], env), []);
  const other = report([...base, 'identity: { token: { private_key: "${OTHER}" } }'], env);
  t.match(other, [/private_key is not the pair of auth.jwt.public_key/]);
  t.notOk(other.join('\n').includes('PRIVATE KEY'), 'the key is never quoted');
  t.match(report([...base, 'identity: {}'], env), [/needs its private key to sign/]);
  t.match(report([...base, 'identity: { token: { private_key: "${PUB}" } }'], env), [
    /is not a PEM private key/,
  ]);
});

t.test('bootstrap users and paths', async (t) => {
  const problems = report(
    [
      ...HS,
      'identity:',
      '  bootstrap_users:',
      '    - { username: Admin, password: "${SHORT}" }',
      '    - { username: admin, password_hash: "$scrypt$ln=15,r=8,p=1$abc$def" }',
      '    - { username: nobody }',
      '  paths: { session_get: "/s/{id}", login: "/auth/*" }',
    ],
    { SHORT: 'short' },
  );
  t.match(problems, [
    /5:\d+ bootstrap user "Admin": the password is 5 characters; identity.password.min_length is 8/,
    /6:\d+ bootstrap user "admin" is listed twice/,
    /6:\d+ bootstrap user "admin": password_hash is not a/,
    /7:\d+ bootstrap user "nobody" needs exactly one of password and password_hash/,
    /8:\d+ identity endpoint session_get \(\/s\/\{id\}\) must have \{session_id\}/,
    /8:\d+ identity endpoint login \(\/auth\/\*\) must have no parameters/,
  ]);
  t.notOk(problems.join('\n').includes('short'), 'a password is never quoted');
});

t.test(
  'scrypt hashes: PHC form, salted, constant-time verify, rehash on raised cost',
  async (t) => {
    const weak = { ln: 14, r: 8, p: 1 };
    const a = await hashPassword('correct horse', weak);
    const b = await hashPassword('correct horse', weak);
    t.not(a, b, 'a fresh salt each time');
    t.ok(await verifyPassword('correct horse', a));
    t.notOk(await verifyPassword('correct horsf', a));
    t.notOk(await verifyPassword('correct horse', 'not a hash'), 'a bad hash is a mismatch');
    t.ok(needsRehash(a, { ln: 15, r: 8, p: 1 }), 'a raised cost asks for a rehash');
    t.notOk(needsRehash(a, weak));
    t.match(parsePasswordHash(a.replace('ln=14', 'ln=30')), { problem: /ln=30, outside 10..20/ });
  },
);
