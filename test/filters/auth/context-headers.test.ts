import t from 'tap';
import {
  createContextHeaders,
  DEFAULT_CONTEXT_HEADERS,
} from '../../../engine/filters/context-headers/context-headers.js';
import type { Identity } from '../../../engine/data-plane/identity.js';

const user: Identity = {
  subject: 'user-1',
  clientId: 'tenant-7',
  roles: ['admin', 'user'],
  permissions: ['read', 'write'],
  tier: 'pro',
  email: 'a@example.com',
  method: 'jwt',
};

t.test('the default mapping builds seed 003 headers', async (t) => {
  t.same(createContextHeaders(DEFAULT_CONTEXT_HEADERS).build(user), [
    ['x-user-id', 'user-1'],
    ['x-user-roles', 'admin,user'],
    ['x-user-permissions', 'read,write'],
    ['x-client-id', 'tenant-7'],
    ['x-user-tier', 'pro'],
    ['x-user-email', 'a@example.com'],
    ['x-auth-method', 'jwt'],
  ]);
});

t.test('names: every configured header and the spellings an upstream may read as it', async (t) => {
  const headers = createContextHeaders({ subject: 'X-User-ID', roles: 'X-User-Role' });
  const names = [...headers.names].sort();
  for (const name of [
    'x-user-id',
    'x-user-ids',
    'x_user_id',
    'x-user_id',
    'x_user-id',
    'x-user-role',
    'x-user-roles',
    'x_user_roles',
  ]) {
    t.ok(names.includes(name), name);
  }
  t.equal(names.length, 16, 'each name: 4 mixes of - and _, singular and plural');
  t.notOk(names.includes('x-user-email'), 'only configured headers');

  const long = createContextHeaders({ subject: 'x-a-b-c-d-e-f-g-h' });
  t.same(
    [...long.names].sort(),
    ['x-a-b-c-d-e-f-g-h', 'x-a-b-c-d-e-f-g-hs', 'x_a_b_c_d_e_f_g_h', 'x_a_b_c_d_e_f_g_hs'],
    'past six separators only the all-dash and all-underscore spellings',
  );
});

t.test('names: exactly the spellings of each configured name', async (t) => {
  const names = (header: string) => [...createContextHeaders({ subject: header }).names].sort();
  t.same(
    names('X-User-Roles'),
    [
      'x-user-role',
      'x-user-roles',
      'x-user_role',
      'x-user_roles',
      'x_user-role',
      'x_user-roles',
      'x_user_role',
      'x_user_roles',
    ],
    'a plural name: itself and its singular',
  );
  t.same(
    names('x_user_id'),
    [
      'x-user-id',
      'x-user-ids',
      'x-user_id',
      'x-user_ids',
      'x_user-id',
      'x_user-ids',
      'x_user_id',
      'x_user_ids',
    ],
    'written with underscores',
  );
  t.same(names('Xuserid'), ['xuserid', 'xuserids'], 'no separator at all');
  t.equal(names('x-a-b-c-d-e-f').length, 2 * 2 ** 6, 'six separators: every mix still');
  t.same(
    names('x_a_b_c_d_e_f_g_h'),
    ['x-a-b-c-d-e-f-g-h', 'x-a-b-c-d-e-f-g-hs', 'x_a_b_c_d_e_f_g_h', 'x_a_b_c_d_e_f_g_hs'],
    'past six, written with underscores: the all-dash and all-underscore spellings',
  );
});

t.test('absent fields and empty lists are not sent', async (t) => {
  const headers = createContextHeaders(DEFAULT_CONTEXT_HEADERS);
  t.same(headers.build({ subject: 'k', roles: [], permissions: [], method: 'api_key' }), [
    ['x-user-id', 'k'],
    ['x-auth-method', 'api_key'],
  ]);
});

t.test('a field left out of the mapping is not sent', async (t) => {
  t.same(createContextHeaders({ subject: 'x-user-id' }).build(user), [['x-user-id', 'user-1']]);
});

t.test('unsafe values refuse the request instead of being forwarded', async (t) => {
  const headers = createContextHeaders(DEFAULT_CONTEXT_HEADERS);
  const cases: Array<[string, Partial<Identity>]> = [
    ['CR LF in the subject (header injection)', { subject: 'u1\r\nx-admin: true' }],
    ['a bare LF in the email', { email: 'a@example.com\nx: y' }],
    ['a bare CR in the tier', { tier: 'pro\r' }],
    ['a NUL byte', { subject: 'u1\0' }],
    ['a non-ASCII character', { email: 'é@example.com' }],
    ['a DEL byte', { clientId: 'c\x7f' }],
    ['a role containing the list separator', { roles: ['user,admin'] }],
    ['one role of several containing the list separator', { roles: ['user', 'a,admin'] }],
    ['CR LF inside one role', { roles: ['ok', 'x\r\ny'] }],
  ];
  for (const [name, fields] of cases) {
    t.test(name, async (t) => {
      t.match(headers.build({ ...user, ...fields }), { code: 'FORBIDDEN', status: 403 });
    });
  }
});

t.test('the refusal names the header but never the value', async (t) => {
  const err = createContextHeaders(DEFAULT_CONTEXT_HEADERS).build({
    ...user,
    subject: 'secret\r\nvalue',
  });
  t.match(err, { message: /x-user-id/ });
  t.notMatch(err, { message: /secret/ });
});

t.test('spaces and tabs are allowed', async (t) => {
  const built = createContextHeaders({ email: 'x-user-email' }).build({
    ...user,
    email: 'Jane Doe\t<jane@example.com>',
  });
  t.same(built, [['x-user-email', 'Jane Doe\t<jane@example.com>']]);
});

t.test('invalid or duplicate header names are refused at load', async (t) => {
  t.throws(() => createContextHeaders({ subject: 'x user id' }), /not a header name/);
  t.throws(() => createContextHeaders({ subject: 'X-User', email: 'x-user' }), /same header/);
});
