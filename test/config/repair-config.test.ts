import t from 'tap';
import { configFormats } from '../../engine/config/config-formats.js';
import { PLACEHOLDER_STRINGS, placeholderFor } from '../../engine/config/placeholder.js';
import { repairConfig } from '../../engine/config/repair-config.js';
import { schemaDocument, schemaErrors } from '../../engine/config/validate-schema.js';

const schema = schemaDocument() as { $defs: Record<string, unknown> };

/** Every node of the schema with its JSON pointer. */
function* nodes(node: unknown, at = ''): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return;
  if (!Array.isArray(node)) yield [at, node as Record<string, unknown>];
  for (const [key, child] of Object.entries(node)) yield* nodes(child, `${at}/${key}`);
}

t.test('each pattern of the schema takes one of the placeholder strings', async (t) => {
  const patterns = new Set<string>();
  for (const [, node] of nodes(schema)) {
    if (typeof node.pattern === 'string') patterns.add(node.pattern);
  }
  t.ok(patterns.size > 10, `${patterns.size} patterns`);
  for (const pattern of patterns) {
    const regex = new RegExp(pattern, 'u');
    t.ok(
      PLACEHOLDER_STRINGS.some((s) => regex.test(s)),
      `${pattern}: add a string it takes to PLACEHOLDER_STRINGS`,
    );
  }
});

t.test('each format takes its own sample', async (t) => {
  for (const [name, format] of Object.entries(configFormats)) {
    t.ok(format.validate(format.sample), `${name}: ${format.sample}`);
  }
});

t.test('a placeholder route or upstream passes the schema', async (t) => {
  const route = placeholderFor({ $ref: '#/$defs/route' }, schema);
  const upstream = placeholderFor({ $ref: '#/$defs/upstream' }, schema);
  t.same(schemaErrors({ routes: [route], upstreams: { placeholder: upstream } }), []);
});

t.test('a repaired config passes the schema and says what it made up', async (t) => {
  const data = {
    server: { http_port: '${PORT}', workers: 'two' },
    routes: [
      { path: '/a', upstrem: 'users' },
      { upstream: 'users' },
      { path: '/c', upstream: 'users', timeout: 'forever', colour: 'red' },
    ],
    upstreams: { users: { load_balancer: { type: 'RoundRobin' } } },
  };
  const draft = repairConfig(data, [['server', 'http_port']], schemaErrors, schema);
  if (draft === undefined) return t.fail('no draft');
  t.same(schemaErrors(draft.data), []);
  const repaired = draft.data as typeof data & { routes: Array<Record<string, unknown>> };
  t.equal(repaired.routes[0]?.upstream, 'users', 'a misspelt key becomes the key it is close to');
  t.notOk('colour' in (repaired.routes[2] ?? {}), 'an unknown key with no close match goes');
  t.type(repaired.server.http_port, 'number', 'an unset variable becomes a value of its type');
  t.same(data.routes[0], { path: '/a', upstrem: 'users' }, 'the parsed config is left alone');
  t.ok(draft.paths.isCovered(['server', 'http_port', 'x']));
  t.ok(draft.paths.isCovered(['routes', 1]), 'the route with a placeholder path');
  t.ok(draft.paths.isCovered(['upstreams', 'users', 'discovery']));
  t.notOk(draft.paths.isCovered(['routes', 0, 'path']));
  t.notOk(draft.paths.isCovered(['upstreams']));
});

t.test('a list item that cannot be mended goes, and later paths map back', async (t) => {
  const data = {
    routes: [{ path: 'no-slash' }, { path: '/b', upstream: 'users' }],
  };
  const draft = repairConfig(data, [], schemaErrors, schema);
  if (draft === undefined) return t.fail('no draft');
  t.same(schemaErrors(draft.data), []);
  const routes = (draft.data as typeof data).routes;
  const kept = routes.findIndex((r) => r.path === '/b');
  t.same(draft.paths.toOriginal(['routes', kept, 'upstream']), ['routes', 1, 'upstream']);
});

t.test('a document that is not a mapping has no draft', async (t) => {
  t.equal(repairConfig(['a'], [], schemaErrors, schema), undefined);
});
