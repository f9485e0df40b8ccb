import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { GatewayConfig } from '../../../engine/config/gateway-config.js';
import type { Exchange } from '../../../engine/data-plane/exchange.js';
import { matchPath } from '../../../engine/filters/openapi-validation/document-paths.js';
import { loadOpenApiDocuments } from '../../../engine/filters/openapi-validation/openapi-documents.js';
import {
  checkJsonBody,
  checkParameters,
  mediaFor,
  type CompiledOperation,
} from '../../../engine/filters/openapi-validation/operation-validator.js';

/** Parameter styles, formats and media ranges, checked without a gateway: the parts a step reads. */
const DOCUMENT = `openapi: 3.0.3
info: { title: Styles, version: "1" }
paths:
  /files/{name}.json:
    get: { operationId: file, responses: { "200": { description: ok } } }
  /items/mine:
    get: { operationId: mine, responses: { "200": { description: ok } } }
  /items/{id}:
    get:
      operationId: styles
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer, format: int32 } }
        - { name: ids, in: query, explode: false, schema: { type: array, items: { type: integer } } }
        - { name: words, in: query, style: spaceDelimited, schema: { type: array, items: { type: string, maxLength: 3 } } }
        - { name: filter, in: query, style: deepObject, schema: { type: object, properties: { kind: { enum: [cat, dog] } } } }
        - { name: where, in: query, content: { application/json: { schema: { type: object, required: [x] } } } }
        - { name: X-Trace, in: header, schema: { type: string, format: byte } }
        - { name: session, in: cookie, required: true, schema: { type: string, minLength: 4 } }
        - { name: Accept, in: header, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
    put:
      operationId: replace
      requestBody:
        content:
          application/merge-patch+json:
            schema: { type: object, properties: { label: { type: string, nullable: true, enum: [a, b] } } }
          image/*: {}
      responses: { "200": { description: ok } }
`;

function exchange(query: string, headers: Record<string, string>): Exchange {
  const list = Object.entries(headers).flatMap(([k, v]) => [k, v]);
  const stub = {
    query,
    header: (name: string) => {
      const i = list.indexOf(name);
      return i === -1 ? undefined : list[i + 1];
    },
  };
  return stub as unknown as Exchange;
}

t.test('parameters, formats and media types of one document', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-oas-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'styles.yaml'), DOCUMENT);
  const config = {
    openapi_documents: [{ name: 'styles', file: './styles.yaml' }],
    routes: [{ path: '/*', upstream: 'u', openapi_validation: 'styles' }],
  } as unknown as GatewayConfig;
  const load = loadOpenApiDocuments(config, join(dir, 'gateway.yaml'));
  t.same(load.problems, []);
  t.same(load.placed, []);
  const doc = load.documents?.documents.get('styles');
  if (doc === undefined) throw new Error('the document did not load');

  const concrete = matchPath(doc.paths, ['items', 'mine']);
  t.equal(concrete?.path.template, '/items/mine', 'a concrete path before a templated one');
  const mixed = matchPath(doc.paths, ['files', 'a.b.json']);
  t.same([mixed?.path.template, mixed?.values], ['/files/{name}.json', ['a.b']]);
  t.equal(matchPath(doc.paths, ['files', 'a.txt']), null, 'text around a parameter must match');
  const templated = matchPath(doc.paths, ['items', '7%20']);
  t.same(templated?.values, ['7 '], 'values percent-decoded');

  const op = doc.byOperationId.get('styles')?.op as CompiledOperation;
  const path = ['12'];
  const cookie = { cookie: 'session=abcd', accept: 'text/plain' };
  const problems = (query: string, headers: Record<string, string>, values = path) =>
    checkParameters(op, exchange(query, headers), ['id'], values)?.problems ?? [];

  t.same(problems('', cookie), [], 'the Accept parameter is ignored, as OpenAPI says');
  t.same(problems('', {}), [{ in: 'cookie', pointer: '/session', expected: 'is required' }]);
  t.same(problems('', cookie, [String(2 ** 31)]), [
    { in: 'path', pointer: '/id', expected: 'must match format "int32"' },
  ]);
  t.same(problems('ids=1,2,3', cookie), [], 'explode: false splits on commas');
  t.same(problems('ids=1,x', cookie), [
    { in: 'query', pointer: '/ids/1', expected: 'must be integer' },
  ]);
  t.same(problems('words=ab%20abcd', cookie), [
    { in: 'query', pointer: '/words/1', expected: 'must NOT have more than 3 characters' },
  ]);
  t.same(problems('filter[kind]=cow', cookie), [
    { in: 'query', pointer: '/filter/kind', expected: 'must be one of "cat", "dog"' },
  ]);
  t.same(problems('where=%7B%22y%22%3A1%7D', cookie), [
    { in: 'query', pointer: '/where/x', expected: 'is required' },
  ]);
  t.same(problems('where=%7Bnot', cookie), [
    { in: 'query', pointer: '/where', expected: 'must be JSON' },
  ]);
  t.same(problems('', { ...cookie, 'x-trace': 'not base64!' }), [
    { in: 'header', pointer: '/X-Trace', expected: 'must match format "byte"' },
  ]);

  const put = doc.byOperationId.get('replace')?.op as CompiledOperation;
  const media = put.body?.media ?? [];
  t.equal(mediaFor(media, 'image/png; q=1')?.range, 'image/*', 'a media range');
  t.equal(mediaFor(media, 'text/plain'), undefined);
  const patch = mediaFor(media, 'Application/Merge-Patch+JSON') as NonNullable<
    ReturnType<typeof mediaFor>
  >;
  t.ok(patch.json, '+json is JSON');
  t.equal(checkJsonBody(patch, Buffer.from('{"label":null}')), null, '3.0 nullable with an enum');
  t.same(checkJsonBody(patch, Buffer.from('{"label":"c"}'))?.problems, [
    { in: 'body', pointer: '/label', expected: 'must be one of "a", "b", null' },
  ]);
  t.end();
});
