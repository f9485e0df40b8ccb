import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import t from 'tap';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS } from '../../engine/config/config-defaults.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import { addConfigFormats, AJV_OPTIONS } from '../../engine/config/schema-compiler.js';
import { bareNode } from '../helpers/node-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schema = JSON.parse(readFileSync(join(root, 'schemas/gateway.schema.json'), 'utf8'));
const editorSchema = JSON.parse(
  readFileSync(join(root, 'schemas/gateway.editor.schema.json'), 'utf8'),
);

/** Every node of the schema that has a `default`, by JSON pointer. */
function defaults(node: unknown, at = ''): Array<{ pointer: string; value: unknown }> {
  if (typeof node !== 'object' || node === null) return [];
  const own = 'default' in node ? [{ pointer: at, value: node.default }] : [];
  return own.concat(
    Object.entries(node).flatMap(([key, child]) =>
      key === 'default' ? [] : defaults(child, `${at}/${key}`),
    ),
  );
}

t.test('the files generated from the schema are up to date', async (t) => {
  const run = promisify(execFile);
  const result = await run(...bareNode(['scripts/generate-config.mjs', '--check']), {
    cwd: root,
  }).catch((err: { stderr: string; code: number }) => err);
  t.equal(result.stderr, '', 'run npm run generate and commit the result');
});

t.test('each default passes its own key schema', async (t) => {
  const ajv = new Ajv2020(AJV_OPTIONS);
  addConfigFormats(ajv);
  ajv.addSchema(schema);
  const found = defaults(schema);
  t.ok(found.length > 100, `${found.length} defaults`);
  for (const { pointer, value } of found) {
    const validate = ajv.getSchema(`${schema.$id}#${pointer}`);
    t.ok(validate?.(value), `${pointer}: ${JSON.stringify(value)}`);
  }
});

t.test('CONFIG_DEFAULTS holds the defaults at the paths of their keys', async (t) => {
  const tree: Record<string, unknown> = CONFIG_DEFAULTS;
  const at = (path: string[]): unknown =>
    path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], tree);
  t.equal(at(['server', 'timeouts', 'request_timeout']), '30s');
  t.equal(at(['upstreams', 'health_check', 'interval']), '10s');
  t.equal(at(['routes', 'retries', 'attempts']), 2);
  t.equal(at(['middleware', 'rate_limiting', 'key']), 'ip', 'a default beside a $ref');
  t.equal(at(['websocket', 'channels', 'max_subscribers']), 1000);
  t.same(at(['upstreams', 'health_check', 'expected_statuses']), ['2xx', '3xx']);
});

t.test('custom formats are named gatewayd-* so no validator reads them as its own', async (t) => {
  const formats = new Set(JSON.stringify(schema).match(/"format":"[^"]+"/g) ?? []);
  t.ok(formats.size > 3);
  for (const f of formats) t.match(f, /"format":"gatewayd-/);
});

t.test('editors with a standard validator stay quiet on every example', async (t) => {
  // What an editor does: the file as written, no interpolation, standard formats only.
  const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
  addFormats.default(ajv);
  const editor = ajv.compile(editorSchema);
  const strict = ajv.compile({ ...schema, $id: `${schema.$id}?strict` });
  const dir = join(root, 'examples');
  let flaggedByStrict = 0;
  // examples/lib holds the demo backends' shared code, not a config.
  const examples = readdirSync(dir).filter((name) => existsSync(join(dir, name, 'gateway.yaml')));
  for (const name of examples) {
    const data = parse(readFileSync(join(dir, name, 'gateway.yaml'), 'utf8'));
    t.ok(editor(data), `${name}: ${JSON.stringify(editor.errors?.slice(0, 3))}`);
    if (!strict(data)) flaggedByStrict++;
  }
  t.ok(flaggedByStrict > 0, 'the engine schema alone would flag ${VAR} in typed keys');
});

t.test('the engine checks the value a reference stands for with the strict type', async (t) => {
  const text = ['server: { http_port: "${PORT}" }', 'routes: []'].join('\n');
  // Quoted: a string whatever PORT holds, and http_port takes integers only.
  t.match(loadConfigText(text, 'gateway.yaml', { PORT: '8080' }), {
    ok: false,
    problems: [{ code: 'GW_ERR_CONFIG_TYPE' }],
  });
  const plain = ['server:', '  http_port: ${PORT}', 'routes: []'].join('\n');
  t.match(loadConfigText(plain, 'gateway.yaml', { PORT: '8080' }), {
    ok: true,
    config: { server: { http_port: 8080 } },
  });
  t.match(loadConfigText(plain, 'gateway.yaml', { PORT: 'eighty' }), {
    ok: false,
    problems: [{ code: 'GW_ERR_CONFIG_TYPE', message: /expected an integer, got a string/ }],
  });
});

t.test("an upstream's retries block is the route's, so one type serves both", async (t) => {
  const undocumented = (node: unknown): unknown =>
    JSON.parse(JSON.stringify(node, (key, value) => (key === 'description' ? undefined : value)));
  t.same(
    undocumented(schema.$defs.upstream.properties.retries),
    undocumented(schema.$defs.route.properties.retries),
  );
});
