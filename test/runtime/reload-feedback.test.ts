import t from 'tap';
import { startGatewayd, type GatewaydProcess, type LogLine } from '../helpers/gatewayd-process.js';

/** A config whose parts the steps below change one at a time. */
function config(o: { port?: number; timeout?: string; extraRoute?: boolean; upstream?: string }) {
  return `
server:
  http_port: ${o.port ?? 0}
  bind_address: 127.0.0.1
  timeouts: { upstream_timeout: ${o.timeout ?? '10s'} }
routes:
  - name: hello
    path: /hello
    direct_response: { status: 200, body: hello }
  - path: /api/*
    methods: [GET]
    upstream: api
${o.extraRoute ? '  - name: extra\n    path: /extra\n    direct_response: { status: 200 }\n' : ''}upstreams:
  api:
    discovery: { type: Static, endpoints: ["${o.upstream ?? 'http://127.0.0.1:1'}"] }
observability:
  logging: { level: info, access_log: false }
`;
}

const BROKEN = 'routes:\n  - path: /x\n    upstream: nowhere\n';

/** Writes `yaml` (or sends SIGHUP when it is null) and resolves with the next line of `msg`. */
async function reloadAndRead(
  gw: GatewaydProcess,
  yaml: string | null,
  test: (l: LogLine) => boolean,
): Promise<{ line: LogLine; since: LogLine[] }> {
  const from = gw.logs.length;
  if (yaml === null) gw.proc.kill('SIGHUP');
  else gw.writeConfig(yaml);
  const line = await gw.waitForLog(test, 5000, from);
  return { line, since: gw.logs.slice(from) };
}

const loaded = (l: LogLine) => l.msg === 'config loaded';
const failed = (l: LogLine) => l.msg.startsWith('config reload failed');

t.test('reload feedback, read from one gatewayd log', async (t) => {
  const gw = await startGatewayd(t, config({}));

  t.test('config loaded names the routes, upstreams and settings that changed', async (t) => {
    const { line } = await reloadAndRead(
      gw,
      config({ timeout: '30s', extraRoute: true, upstream: 'http://127.0.0.1:2' }),
      loaded,
    );
    t.equal(line.reason, 'file changed');
    t.same(line.changes, {
      routes: { added: ['extra'], removed: [], changed: [] },
      upstreams: { added: [], removed: [], changed: ['api'] },
      settings: { added: [], removed: [], changed: ['server.timeouts.upstream_timeout'] },
    });
    t.notOk('recovered' in line, 'not a recovery');
  });

  t.test('a SIGHUP with the file unchanged is logged as unchanged', async (t) => {
    const { line } = await reloadAndRead(
      gw,
      null,
      (l) => l.msg === 'config unchanged' && l.reason === 'SIGHUP',
    );
    t.type(line.generation, 'number');
  });

  t.test('back to the config in force after a failed reload: logged as a recovery', async (t) => {
    const inForce = config({ timeout: '30s', extraRoute: true, upstream: 'http://127.0.0.1:2' });
    const broken = await reloadAndRead(gw, BROKEN, failed);
    t.match(broken.line.problems, [/GW_ERR_CONFIG_UNDEFINED_UPSTREAM/]);
    const { line } = await reloadAndRead(gw, inForce, (l) => l.recovered === true);
    t.equal(line.msg, 'config reload recovered; the file matches the config in force');
    t.equal(line.level, 30, 'info');
  });

  t.test('a new config after a failed reload: config loaded, marked recovered', async (t) => {
    await reloadAndRead(gw, BROKEN, failed);
    const { line } = await reloadAndRead(gw, config({ timeout: '30s' }), loaded);
    t.equal(line.recovered, true);
    t.same(line.changes, {
      routes: { added: [], removed: ['extra'], changed: [] },
      upstreams: { added: [], removed: [], changed: ['api'] },
    });
  });

  t.test('restart-only changes are named by their YAML keys', async (t) => {
    const { line, since } = await reloadAndRead(gw, config({ timeout: '30s', port: 1 }), loaded);
    const warning = since.find((l) => l.msg === 'these settings take effect only after a restart');
    t.same(warning?.settings, ['server.http_port']);
    t.same(line.changes, { settings: { added: [], removed: [], changed: ['server.http_port'] } });
  });
});
