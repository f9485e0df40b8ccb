import t from 'tap';
import {
  createAuthorizer,
  type Authorizer,
} from '../../../engine/filters/authorization/authorize.js';
import type { Identity } from '../../../engine/data-plane/identity.js';

const TIERS = ['free', 'pro', 'enterprise', 'admin'];

function who(fields: Partial<Identity> = {}): Identity {
  return { subject: 'u1', roles: [], permissions: [], method: 'jwt', ...fields };
}

function authorizer(settings: Parameters<typeof createAuthorizer>[0]): Authorizer {
  const check = createAuthorizer(settings);
  if (check === null) throw new Error('expected an authorizer');
  return check;
}

t.test('no requirement: no authorizer, so the pipeline skips the step', async (t) => {
  t.equal(createAuthorizer({ tiers: TIERS }), null);
});

t.test('roles are any-of', async (t) => {
  const check = authorizer({ requiredRoles: ['admin', 'moderator'] });
  t.test('one of them passes', async (t) => {
    t.equal(check(who({ roles: ['user', 'moderator'] })), null);
  });
  t.test('none of them is FORBIDDEN, naming the roles', async (t) => {
    t.match(check(who({ roles: ['user'] })), {
      code: 'FORBIDDEN',
      status: 403,
      message: 'Requires one of the roles: admin, moderator',
    });
  });
});

t.test('permissions are all-of', async (t) => {
  const check = authorizer({ requiredPermissions: ['read', 'write'] });
  t.test('all of them pass', async (t) => {
    t.equal(check(who({ permissions: ['write', 'read', 'delete'] })), null);
  });
  t.test('a missing one is FORBIDDEN, naming what is missing', async (t) => {
    t.match(check(who({ permissions: ['read'] })), {
      code: 'FORBIDDEN',
      message: 'Missing permissions: write',
    });
  });
});

t.test('tiers', async (t) => {
  const check = authorizer({
    requiredTier: 'enterprise',
    tiers: TIERS,
    moduleName: 'drone-system',
  });
  t.test('a lower tier gets the seed 004 message', async (t) => {
    t.match(check(who({ tier: 'free' })), {
      code: 'TIER_REQUIRED',
      status: 403,
      message: "Module 'drone-system' requires 'enterprise' tier. Your tier: 'free'",
    });
  });
  t.test('no tier at all is below every tier', async (t) => {
    t.match(check(who()), {
      message: "Module 'drone-system' requires 'enterprise' tier. Your tier: 'none'",
    });
  });
  t.test('an unknown tier is below every tier', async (t) => {
    t.match(check(who({ tier: 'platinum' })), { code: 'TIER_REQUIRED' });
  });
  t.test('the same tier passes', async (t) => {
    t.equal(check(who({ tier: 'enterprise' })), null);
  });
  t.test('a higher tier passes', async (t) => {
    t.equal(check(who({ tier: 'admin' })), null);
  });
});

t.test('without a module name the message says "This route"', async (t) => {
  const check = authorizer({ requiredTier: 'pro', tiers: TIERS });
  t.match(check(who({ tier: 'free' })), {
    message: "This route requires 'pro' tier. Your tier: 'free'",
  });
});

t.test('a required tier missing from the tier list is refused at load', async (t) => {
  t.throws(() => createAuthorizer({ requiredTier: 'gold', tiers: TIERS }), /not one of the tiers/);
});

t.test('the tier refused at load: the exact sentence, with or without a tier list', async (t) => {
  t.throws(
    () => createAuthorizer({ requiredTier: 'gold', tiers: TIERS }),
    new RangeError(
      'authorization: tier "gold" is not one of the tiers [free, pro, enterprise, admin]',
    ),
  );
  t.throws(
    () => createAuthorizer({ requiredTier: 'gold' }),
    new RangeError('authorization: tier "gold" is not one of the tiers []'),
  );
});

t.test('the lowest tier may be required: only a missing or unknown tier is below it', async (t) => {
  const check = authorizer({ requiredTier: 'free', tiers: TIERS });
  t.equal(check(who({ tier: 'free' })), null);
  t.equal(check(who({ tier: 'admin' })), null);
  const refused = check(who());
  t.equal(refused?.code, 'TIER_REQUIRED');
  t.equal(refused?.message, "This route requires 'free' tier. Your tier: 'none'");
  t.equal(check(who({ tier: 'platinum' }))?.code, 'TIER_REQUIRED');
});

t.test('roles, permissions and tier together: each is checked', async (t) => {
  const check = authorizer({
    requiredRoles: ['admin'],
    requiredPermissions: ['read'],
    requiredTier: 'pro',
    tiers: TIERS,
  });
  t.equal(check(who({ roles: ['admin'], permissions: ['read'], tier: 'pro' })), null);
  t.equal(
    check(who({ roles: ['user'], permissions: ['read'], tier: 'pro' }))?.message,
    'Requires one of the roles: admin',
  );
  t.equal(
    check(who({ roles: ['admin'], permissions: [], tier: 'pro' }))?.message,
    'Missing permissions: read',
  );
  t.equal(
    check(who({ roles: ['admin'], permissions: ['read'], tier: 'free' }))?.message,
    "This route requires 'pro' tier. Your tier: 'free'",
  );
  const permissionsOnly = authorizer({ requiredPermissions: ['a', 'b', 'c'] });
  t.equal(permissionsOnly(who({ permissions: ['b'] }))?.message, 'Missing permissions: a, c');
  t.equal(permissionsOnly(who({ roles: ['admin'], permissions: ['c', 'b', 'a'] })), null);
});
