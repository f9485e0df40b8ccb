import type { JWTPayload } from 'jose';
import t from 'tap';
import { AuthFailure } from '../../../engine/filters/auth/auth-failure.js';
import {
  createIdentityMapper,
  type ClaimNames,
} from '../../../engine/filters/auth/jwt-identity.js';

// The identity a verified payload maps to, without signing anything: the claim readers, the
// list and string claims, the subject. test/filters/auth/jwt-provider.test.ts checks the same
// through real tokens.

const identity = (claims: JWTPayload, names: ClaimNames = {}) =>
  createIdentityMapper(names)(claims);

t.test('every field from its default claim, exactly', async (t) => {
  const claims = {
    sub: 'user-1',
    client_id: 'tenant-7',
    roles: ['admin', 'user'],
    permissions: ['read'],
    scope: 'write read',
    tier: 'pro',
    email: 'a@example.com',
    exp: 1_700_000_000,
  };
  t.same(identity(claims), {
    subject: 'user-1',
    clientId: 'tenant-7',
    roles: ['admin', 'user'],
    permissions: ['read', 'write'],
    tier: 'pro',
    email: 'a@example.com',
    method: 'jwt',
    expiresAt: 1_700_000_000_000,
    claims,
  });
});

t.test('without exp the identity has no end', async (t) => {
  t.equal(identity({ sub: 'u' }).expiresAt, undefined);
  t.equal(identity({ sub: 'u', exp: '1700000000' as unknown as number }).expiresAt, undefined);
});

t.test('every claim name can be configured', async (t) => {
  const names: ClaimNames = {
    rolesClaim: 'groups',
    permissionsClaim: 'perms',
    tierClaim: 'plan',
    emailClaim: 'mail',
    clientIdClaim: 'app',
  };
  const claims = {
    sub: 'u',
    groups: ['ops'],
    roles: ['admin'],
    perms: ['deploy'],
    permissions: ['everything'],
    plan: 'gold',
    tier: 'free',
    mail: 'ops@example.com',
    email: 'other@example.com',
    app: 'cli',
    client_id: 'web',
  };
  const { roles, permissions, tier, email, clientId } = identity(claims, names);
  t.same(
    { roles, permissions, tier, email, clientId },
    {
      roles: ['ops'],
      permissions: ['deploy'],
      tier: 'gold',
      email: 'ops@example.com',
      clientId: 'cli',
    },
  );
});

t.test('a dotted name is a top-level claim first, then a path into nested objects', async (t) => {
  const roles = (claims: JWTPayload, rolesClaim: string) => identity(claims, { rolesClaim }).roles;
  t.same(roles({ sub: 'u', 'https://example.com/roles': ['a'] }, 'https://example.com/roles'), [
    'a',
  ]);
  t.same(roles({ sub: 'u', realm_access: { roles: ['ops'] } }, 'realm_access.roles'), ['ops']);
  t.same(roles({ sub: 'u', a: { b: { c: ['deep'] } } }, 'a.b.c'), ['deep']);
  t.same(roles({ sub: 'u', realm_access: null }, 'realm_access.roles'), [], 'null on the way');
  t.same(roles({ sub: 'u', realm_access: {} }, 'realm_access.roles'), [], 'missing key');
  t.same(roles({ sub: 'u' }, 'realm_access.roles'), [], 'missing object');
  t.same(roles({ sub: 'u', realm_access: 'ops' }, 'realm_access.roles'), [], 'a string on the way');
  const tier = (claims: JWTPayload, tierClaim: string) => identity(claims, { tierClaim }).tier;
  t.equal(tier({ sub: 'u', plan: 'gold' }, 'plan.0'), undefined, 'no index into a string');
  t.equal(tier({ sub: 'u', plan: ['gold'] }, 'plan.0'), 'gold', 'an array is an object');
});

t.test('the roles claim falls back to role, the client id to azp', async (t) => {
  const { roles, clientId } = identity({ sub: 'u', role: 'moderator', azp: 'web' });
  t.same({ roles, clientId }, { roles: ['moderator'], clientId: 'web' });
  const first = identity({ sub: 'u', roles: ['a'], role: 'b', client_id: 'c', azp: 'd' });
  t.same({ roles: first.roles, clientId: first.clientId }, { roles: ['a'], clientId: 'c' });
});

t.test('list claims: strings split on blanks and commas, arrays keep their strings', async (t) => {
  t.same(identity({ sub: 'u', roles: ' ops, admin\tuser ,' }).roles, ['ops', 'admin', 'user']);
  t.same(identity({ sub: 'u', roles: ['ops', 3, '', null, 'admin'] }).roles, ['ops', 'admin']);
  t.same(identity({ sub: 'u', roles: { ops: true } }).roles, [], 'an object is no list');
  t.same(identity({ sub: 'u', scope: ' read  write ' }).permissions, ['read', 'write']);
  t.same(
    identity({ sub: 'u', permissions: 'read,write', scope: 'write admin' }).permissions,
    ['read', 'write', 'admin'],
    'a scope already granted is not listed twice',
  );
});

t.test('string claims: an empty string or another type is no value', async (t) => {
  const { tier, email, clientId } = identity({ sub: 'u', tier: '', email: 5, client_id: '' });
  t.same({ tier, email, clientId }, { tier: undefined, email: undefined, clientId: undefined });
});

t.test('the subject is sub, else the client id; with neither, no identity', async (t) => {
  t.equal(identity({ sub: 'user-1', client_id: 'svc' }).subject, 'user-1');
  t.equal(identity({ client_id: 'svc' }).subject, 'svc', 'a machine token');
  t.equal(identity({ sub: '', azp: 'svc' }).subject, 'svc', 'an empty sub is none');
  t.equal(
    identity({ sub: 7 as unknown as string, azp: 'svc' }).subject,
    'svc',
    'a sub that is no string is none',
  );
  let failure: unknown = null;
  try {
    identity({ sub: '' });
  } catch (err) {
    failure = err;
  }
  t.ok(failure instanceof AuthFailure);
  t.same(
    { reason: (failure as AuthFailure).reason, message: (failure as AuthFailure).message },
    { reason: 'missing_claim', message: 'Token has no subject' },
  );
});
