import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hashApiKey } from '../../../engine/filters/auth/hash-api-key.js';
import { startGatewayd } from '../../helpers/gatewayd-process.js';
import { jsonCall } from '../../helpers/json-call.js';
import { scrape, valueOf } from '../../helpers/prometheus.js';
import { UpstreamServer } from '../../helpers/upstream-server.js';

const KEY = 'plugin-test-key-0123456789';

/** A plugin as a user writes it in JavaScript: a default export, nothing imported from the engine. */
const EDITOR = `
export default {
  name: 'editor',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { tag: { type: 'string' }, mode: { enum: ['edit', 'answer', 'throw', 'reject', 'hang', 'forbidden-header'] } },
    required: ['tag'],
  },
  create(config, context) {
    return {
      request(req) {
        if (config.mode === 'answer') return { status: 418, headers: { 'x-why': 'teapot' }, body: { tag: config.tag, id: req.params.id } };
        if (config.mode === 'throw') throw new Error('boom from ' + config.tag);
        if (config.mode === 'reject') return Promise.reject(new Error('rejected'));
        if (config.mode === 'hang') return new Promise(() => {});
        if (config.mode === 'forbidden-header') req.setHeader('x-request-id', 'forged');
        req.setHeader('x-tag', config.tag);
        req.setHeader('x-caller', req.identity === null ? 'anonymous' : req.identity.subject);
        req.setHeader('x-param', req.params.id ?? '');
        req.removeHeader('x-secret');
      },
      response(res, req) {
        res.removeHeader('x-backend');
        res.setHeader('x-plugin', config.tag + ' ' + res.status);
      },
      close() {
        context.logger.info({ tag: config.tag }, 'editor closed');
      },
    };
  },
};
`;

function pluginConfig(upstream: string, dir: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
auth:
  api_keys:
    keys:
      - { name: app-one, hash: "${hashApiKey(KEY)}" }
upstreams:
  echo: { discovery: { type: Static, endpoints: ["${upstream}"] } }
plugins:
  - name: editor
    module: ${join(dir, 'editor.mjs')}
    config: { tag: top }
    timeout: 300ms
routes:
  - name: edited
    path: /edit/{id}
    upstream: echo
    plugins: [editor]
  - name: keyed
    path: /keyed/{id}
    upstream: echo
    auth: [api_key]
    plugins: [{ name: editor, config: { tag: keyed } }]
  - name: answered
    path: /answer/{id}
    upstream: echo
    plugins: [{ name: editor, config: { tag: a, mode: answer } }]
${['throw', 'reject', 'hang', 'forbidden-header']
  .map(
    (mode) =>
      `  - { name: ${mode}, path: /${mode}, upstream: echo, plugins: [{ name: editor, config: { tag: ${mode}, mode: ${mode} } }] }`,
  )
  .join('\n')}
`;
}

t.test('plugins on a real gatewayd: edits, answers, failures fenced, reloads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-plugins-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'editor.mjs'), EDITOR);
  const upstream = await UpstreamServer.start(t, {
    '/edit/7': (req, res) => {
      res.setHeader('x-backend', 'node-3');
      res.setHeader('x-plugin', 'upstream value');
      res.end(JSON.stringify(req.headers));
    },
  });
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, pluginConfig(upstream.url, dir));
  const gw = await startGatewayd(t, '', { file });
  const metricsLine = await gw.waitForLog((l) => l.msg === 'metrics listening');
  const metricsUrl = `http://127.0.0.1:${String(metricsLine.port)}/metrics`;

  t.test(
    'a request step edits the headers sent upstream; a response step owns its headers',
    async (t) => {
      const res = await jsonCall(gw, 'GET', '/edit/7', {
        headers: { 'x-secret': 'hidden', 'x-tag': 'client' },
      });
      t.equal(res.status, 200);
      t.equal(res.body['x-tag'], 'top', "the plugin's value replaced the client's");
      t.equal(res.body['x-caller'], 'anonymous');
      t.equal(res.body['x-param'], '7', 'params by name');
      t.notOk('x-secret' in res.body, 'removed before the upstream');
      t.equal(res.headers['x-backend'], undefined, "the upstream's header removed");
      t.equal(res.headers['x-plugin'], 'top 200', "the plugin's value, not the upstream's");
    },
  );

  t.test('a route override has its own instance; the identity is visible', async (t) => {
    const res = await jsonCall(gw, 'GET', '/keyed/3', { apiKey: KEY });
    t.equal(res.status, 200);
    const seen = upstream.seen.at(-1)?.headers ?? {};
    t.equal(seen['x-tag'], 'keyed');
    t.equal(seen['x-caller'], 'app-one');
    const refused = await jsonCall(gw, 'GET', '/keyed/3');
    t.equal(refused.status, 401, 'auth runs before an after_auth plugin');
  });

  t.test('a step answers directly', async (t) => {
    const before = upstream.seen.length;
    const res = await jsonCall(gw, 'GET', '/answer/9');
    t.equal(res.status, 418);
    t.same(res.body, { tag: 'a', id: '9' });
    t.equal(res.headers['x-why'], 'teapot');
    t.equal(res.headers['content-type'], 'application/json');
    t.equal(res.headers['x-plugin'], 'a 418', 'response steps run on the answer too');
    t.equal(upstream.seen.length, before, 'the upstream was not asked');
  });

  t.test(
    'throws, rejections and forbidden edits are 500 PLUGIN_ERROR; a hang is 504',
    async (t) => {
      for (const path of ['/throw', '/reject', '/forbidden-header']) {
        const res = await jsonCall(gw, 'GET', path);
        t.equal(res.status, 500, path);
        t.match(
          res.body,
          { error: 'PLUGIN_ERROR', message: /plugin "editor"/, status_code: 500 },
          path,
        );
      }
      const thrown = await gw.waitForLog(
        (l) => l.msg === 'plugin step failed' && l.route === 'throw',
      );
      t.match(thrown, {
        plugin: 'editor',
        request_id: /./,
        at: /boom from throw \(at .*editor\.mjs:\d+:\d+\)/,
      });
      const started = performance.now();
      const hung = await jsonCall(gw, 'GET', '/hang');
      t.equal(hung.status, 504);
      t.match(hung.body, {
        error: 'PLUGIN_TIMEOUT',
        message: /plugin "editor" did not decide within 300 ms/,
      });
      t.ok(performance.now() - started >= 290, 'answered at the timeout');
      const samples = await scrape(metricsUrl);
      const count = (route: string, kind: string) =>
        valueOf(samples, 'gatewayd_plugin_failures_total', { route, plugin: 'editor', kind });
      t.equal(count('throw', 'error'), 1);
      t.equal(count('reject', 'error'), 1);
      t.equal(count('forbidden-header', 'error'), 1);
      t.equal(count('hang', 'timeout'), 1);
      t.equal(count('edited', 'error'), 0, 'every route with the plugin starts at 0');
      const ok = await jsonCall(gw, 'GET', '/edit/7');
      t.equal(ok.status, 200, 'the gateway goes on serving');
    },
  );

  t.test('editing the plugin file reloads it; the old instances close', async (t) => {
    const from = gw.logs.length;
    writeFileSync(
      join(dir, 'editor.mjs'),
      EDITOR.replace("config.tag + ' '", "'v2 ' + config.tag + ' '"),
    );
    await gw.waitForLog(
      (l) => l.msg === 'config loaded' && l.reason === 'plugin file changed',
      10_000,
      from,
    );
    const res = await jsonCall(gw, 'GET', '/edit/7');
    t.equal(res.headers['x-plugin'], 'v2 top 200');
    const closed = await gw.waitForLog(
      (l) => l.msg === 'editor closed' && l.tag === 'top',
      10_000,
      from,
    );
    t.equal(closed.plugin, 'editor');
  });

  t.test('editing the YAML gives the plugin its new config, through a new instance', async (t) => {
    const from = gw.logs.length;
    writeFileSync(
      file,
      pluginConfig(upstream.url, dir).replace('config: { tag: top }', 'config: { tag: yaml }'),
    );
    await gw.waitForLog(
      (l) => l.msg === 'config loaded' && l.reason === 'file changed',
      10_000,
      from,
    );
    const res = await jsonCall(gw, 'GET', '/edit/7');
    t.equal(res.headers['x-plugin'], 'v2 yaml 200');
    await gw.waitForLog((l) => l.msg === 'editor closed' && l.tag === 'top', 10_000, from);
  });

  t.test(
    'a plugin file that fails to load keeps the last good table, with its file:line',
    async (t) => {
      const from = gw.logs.length;
      writeFileSync(join(dir, 'editor.mjs'), `${EDITOR}\nthrow new Error('broken at load');\n`);
      const failed = await gw.waitForLog(
        (l) => l.msg === 'config reload failed; still serving the previous config',
        10_000,
        from,
      );
      t.match(
        String((failed.problems as string[])[0]),
        /GW_ERR_CONFIG_PLUGIN_LOAD .*broken at load \(at .*editor\.mjs:\d+:\d+\)/,
      );
      const res = await jsonCall(gw, 'GET', '/edit/7');
      t.equal(res.headers['x-plugin'], 'v2 yaml 200', 'still serving the previous instances');
    },
  );
});
