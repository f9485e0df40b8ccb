import t from 'tap';
import { loadConfigFile, loadConfigText } from '../../engine/config-loader/load-config.js';

const SECRET = 'seed-secret-of-at-least-thirty-two-bytes';
const fixture = (name: string) => new URL(`../fixtures/valid/${name}`, import.meta.url).pathname;

t.test('websocket.security becomes the websocket.server keys it names', async (t) => {
  const result = await loadConfigFile(fixture('seed-001-websocket-security.yaml'), {
    JWT_SECRET: SECRET,
  });
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  const ws = result.config.websocket;
  t.equal(ws?.security, undefined, 'no alias is left for the compiler');
  t.same(ws?.server, {
    require_auth: true,
    validate_token_per_message: false,
    rate_limit: { messages_per_minute: 60, burst_limit: 10 },
    auth_grace_period: '300s',
  });
});

t.test('token_refresh: disabled closes at expiry, enabled defaults to 300s', async (t) => {
  const graceOf = (refresh: string) => {
    const result = loadConfigText(
      `routes: [{ path: /, direct_response: { status: 204 } }]\nwebsocket: { security: { token_refresh: ${refresh} } }\n`,
      'inline.yaml',
      {},
    );
    return result.ok ? result.config.websocket?.server?.auth_grace_period : result.problems;
  };
  t.equal(graceOf('{ enabled: false, grace_period: 300s }'), '0s');
  t.equal(graceOf('{ enabled: true }'), '300s');
  t.equal(graceOf('{ enabled: true, grace_period: 45s }'), '45s');
});

t.test("a channel's access_control and rate_limiting", async (t) => {
  const result = await loadConfigFile(fixture('seed-001-channel-access-control.yaml'), {
    JWT_SECRET: SECRET,
  });
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  const channels = result.config.websocket?.channels ?? {};
  t.same(channels.user_notifications, { require_auth: true, user_specific: true });
  t.same(channels.admin_alerts, { require_auth: true, required_roles: ['admin'] });
  t.same(channels.public_announcements, {
    require_auth: false,
    rate_limit: { messages_per_minute: 10 },
  });
});

t.test('observability.logging.output loads as written', async (t) => {
  const result = await loadConfigFile(fixture('seed-001-logging-output.yaml'), {});
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  t.same(result.config.observability?.logging?.output, { type: 'Stdout' });
});

t.test('a user_specific channel written as access_control keeps its ACL check', async (t) => {
  const result = loadConfigText(
    `routes: [{ path: /ws, handler: websocket }]
websocket:
  channels:
    mine: { require_auth: false, access_control: user_specific }
`,
    'inline.yaml',
    {},
  );
  t.notOk(result.ok);
  if (result.ok) return;
  t.match(result.problems, [{ code: 'GW_ERR_CONFIG_WEBSOCKET', message: /user_specific/ }]);
});
