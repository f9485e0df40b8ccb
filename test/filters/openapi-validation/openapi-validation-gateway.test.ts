import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { runCli, startGatewayd } from '../../helpers/gatewayd-process.js';
import { jsonCall } from '../../helpers/json-call.js';
import { UpstreamServer } from '../../helpers/upstream-server.js';

/** An OpenAPI 3.0 document as an API team writes it: served at /api, $refs into components. */
function petsDocument(maxLimit: number): string {
  return `openapi: 3.0.3
info: { title: Pets, version: "1" }
servers: [{ url: https://pets.example.com/api }]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: ${maxLimit} } }
        - { name: tags, in: query, schema: { type: array, items: { type: string, enum: [cat, dog] } } }
      responses: { "200": { description: the pets } }
    post:
      operationId: createPet
      parameters:
        - $ref: "#/components/parameters/Tenant"
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewPet" }
          application/octet-stream: {}
      responses: { "201": { description: created } }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: integer, format: int32 } }
    get:
      operationId: getPet
      responses: { "200": { description: a pet } }
    delete:
      operationId: deletePet
      responses: { "204": { description: deleted } }
components:
  parameters:
    Tenant: { name: X-Tenant, in: header, required: true, schema: { type: string, pattern: "^[a-z]+$" } }
  schemas:
    NewPet:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: { type: string, minLength: 1 }
        tag: { type: string, nullable: true }
        age: { type: number, minimum: 0, exclusiveMinimum: true }
`;
}

/** OpenAPI 3.1: JSON Schema 2020-12 types, served under /held (no servers: base_path says). */
const NOTES_31 = `openapi: 3.1.0
info: { title: Notes, version: "1" }
paths:
  /notes:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: { type: string }
                parent: { type: [integer, "null"] }
      responses: { "201": { description: created } }
`;

/** A plugin whose step waits: the chain holds the body meanwhile, and the check reads it after. */
const WAITING_PLUGIN = `export default {
  name: 'wait',
  create() {
    return { request: () => new Promise((resolve) => setImmediate(resolve)) };
  },
};
`;

function gatewayConfig(upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
upstreams:
  pets: { discovery: { type: Static, endpoints: ["${upstream}"] } }
openapi_documents:
  - { name: pets, file: ./pets.yaml }
  - { name: pets-v2, file: ./pets.yaml, base_path: /v2, max_body_size: 1kb }
  - { name: notes, file: ./notes.yaml, base_path: /held }
plugins:
  - { name: wait, module: ./wait.mjs }
routes:
  - { path: /held/*, upstream: pets, plugins: [wait], openapi_validation: notes }
  - { path: /api/*, upstream: pets, openapi_validation: pets }
  - path: /v2/*
    upstream: pets
    openapi_validation: { document: pets-v2, unknown_operations: pass }
  - path: /create
    methods: [POST]
    upstream: pets
    openapi_validation: { document: pets, operation: createPet }
`;
}

t.test('OpenAPI validation on a real gatewayd', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-openapi-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const received: Buffer[] = [];
  const keepBody = (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"created":true}');
    });
  };
  const upstream = await UpstreamServer.start(t, {
    '/api/pets': keepBody,
    '/create': keepBody,
    '/held/notes': keepBody,
  });
  writeFileSync(join(dir, 'pets.yaml'), petsDocument(100));
  writeFileSync(join(dir, 'notes.yaml'), NOTES_31);
  writeFileSync(join(dir, 'wait.mjs'), WAITING_PLUGIN);
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, gatewayConfig(upstream.url));
  const gw = await startGatewayd(t, '', { file });

  /** Sends a request that must be refused, and checks the upstream never saw it. */
  const refused = async (
    method: string,
    path: string,
    opts: Parameters<typeof jsonCall>[3] = {},
  ) => {
    const before = upstream.seen.length;
    const res = await jsonCall(gw, method, path, opts);
    t.equal(upstream.seen.length, before, `${method} ${path} never reached the upstream`);
    return res;
  };

  t.test('a path parameter of the wrong type: 400 with its pointer', async (t) => {
    const res = await refused('GET', '/api/pets/abc');
    t.equal(res.status, 400);
    t.equal(res.body.error, 'REQUEST_INVALID');
    t.same(res.body.problems, [{ in: 'path', pointer: '/petId', expected: 'must be integer' }]);
    t.match(res.body.message, /path parameter "petId" must be integer/);
    const ok = await jsonCall(gw, 'GET', '/api/pets/12');
    t.equal(ok.status, 200, 'a valid one goes through');
  });

  t.test('query parameters: out of range, not in the enum; arrays from repeats', async (t) => {
    const low = await refused('GET', '/api/pets?limit=0');
    t.equal(low.status, 400);
    t.same(low.body.problems, [{ in: 'query', pointer: '/limit', expected: 'must be >= 1' }]);
    const tag = await refused('GET', '/api/pets?tags=cat&tags=cow');
    t.same(tag.body.problems, [
      { in: 'query', pointer: '/tags/1', expected: 'must be one of "cat", "dog"' },
    ]);
    const ok = await jsonCall(gw, 'GET', '/api/pets?limit=5&tags=cat&tags=dog');
    t.equal(ok.status, 201, 'the upstream answered');
  });

  const tenant = { 'x-tenant': 'acme' };

  t.test('a required header that is missing or malformed', async (t) => {
    const missing = await refused('POST', '/api/pets', { body: { name: 'rex' } });
    t.equal(missing.status, 400);
    t.same(missing.body.problems, [
      { in: 'header', pointer: '/X-Tenant', expected: 'is required' },
    ]);
    const bad = await refused('POST', '/api/pets', {
      body: { name: 'rex' },
      headers: { 'x-tenant': 'ACME-1' },
    });
    t.same(bad.body.problems, [
      { in: 'header', pointer: '/X-Tenant', expected: 'must match pattern "^[a-z]+$"' },
    ]);
  });

  t.test(
    'the JSON body: its pointer, every problem, 3.0 nullable and exclusive bounds',
    async (t) => {
      const wrong = await refused('POST', '/api/pets', {
        body: { name: 5, age: 0, extra: true },
        headers: tenant,
      });
      t.equal(wrong.status, 400);
      t.same(wrong.body.problems, [
        { in: 'body', pointer: '', expected: 'must not have property "extra"' },
        { in: 'body', pointer: '/name', expected: 'must be string' },
        { in: 'body', pointer: '/age', expected: 'must be > 0' },
      ]);
      const missing = await refused('POST', '/api/pets', { body: { tag: null }, headers: tenant });
      t.same(missing.body.problems, [{ in: 'body', pointer: '/name', expected: 'is required' }]);
      const notJson = await refused('POST', '/api/pets', {
        headers: { ...tenant, 'content-type': 'application/json' },
      });
      t.equal(notJson.status, 400, 'a required body that is absent');
      t.same(notJson.body.problems, [
        {
          in: 'body',
          pointer: '',
          expected: 'a body of application/json, application/octet-stream',
        },
      ]);
      const before = upstream.seen.length;
      const res = await request(gw.url('/api/pets'), {
        method: 'POST',
        headers: { ...tenant, 'content-type': 'application/json' },
        body: '{"name": "rex",',
      });
      const body = (await res.body.json()) as { problems: Array<{ expected: string }> };
      t.equal(res.statusCode, 400);
      t.match(body.problems[0]?.expected, /^must be JSON/);
      t.equal(upstream.seen.length, before);
    },
  );

  t.test('a valid POST body arrives upstream byte for byte', async (t) => {
    // Spacing and key order JSON.stringify would not keep: the bytes sent are the bytes checked.
    const sent = '{ "tag" : null,\n  "name":"rex" , "age": 2.5 }';
    const res = await request(gw.url('/api/pets'), {
      method: 'POST',
      headers: { ...tenant, 'content-type': 'application/json; charset=utf-8' },
      body: sent,
    });
    t.equal(res.statusCode, 201);
    t.same(await res.body.json(), { created: true });
    t.equal(received.at(-1)?.toString('utf8'), sent);
    const big = JSON.stringify({ name: 'x'.repeat(200_000) });
    const large = await request(gw.url('/api/pets'), {
      method: 'POST',
      headers: { ...tenant, 'content-type': 'application/json' },
      body: big,
    });
    await large.body.dump();
    t.equal(large.statusCode, 201, 'a body of many chunks');
    t.equal(received.at(-1)?.toString('utf8'), big);
  });

  t.test('media types: one listed without a schema streams through; others are 415', async (t) => {
    const octets = await request(gw.url('/api/pets'), {
      method: 'POST',
      headers: { ...tenant, 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    await octets.body.dump();
    t.equal(octets.statusCode, 201);
    t.same([...(received.at(-1) ?? [])], [0, 1, 2, 255]);
    const before = upstream.seen.length;
    const text = await request(gw.url('/api/pets'), {
      method: 'POST',
      headers: { ...tenant, 'content-type': 'text/plain' },
      body: 'rex',
    });
    const body = (await text.body.json()) as { error: string; message: string };
    t.equal(text.statusCode, 415);
    t.equal(body.error, 'UNSUPPORTED_MEDIA_TYPE');
    t.match(body.message, /application\/json, application\/octet-stream/);
    t.equal(upstream.seen.length, before);
  });

  t.test('operations the document lacks: 404 and 405 with Allow, or passed through', async (t) => {
    const unknown = await refused('GET', '/api/owners');
    t.equal(unknown.status, 404);
    t.equal(unknown.body.error, 'NOT_FOUND');
    const method = await refused('PUT', '/api/pets/1', { body: {} });
    t.equal(method.status, 405);
    t.equal(method.headers.allow, 'GET, DELETE, HEAD');
    const passed = await jsonCall(gw, 'GET', '/v2/owners');
    t.equal(passed.status, 200, 'unknown_operations: pass');
    const stillChecked = await refused('GET', '/v2/pets?limit=1000');
    t.equal(stillChecked.status, 400, 'known operations are still checked under pass');
    const tooLarge = await refused('POST', '/v2/pets', {
      body: { name: 'x'.repeat(2000) },
      headers: tenant,
    });
    t.equal(tooLarge.status, 413, "a JSON body over the document's max_body_size");
    t.equal(tooLarge.body.error, 'PAYLOAD_TOO_LARGE');
  });

  t.test(
    'OpenAPI 3.1, behind a step that waits: the held body is read and sent whole',
    async (t) => {
      const bad = await refused('POST', '/held/notes', { body: { text: 'a', parent: 'x' } });
      t.same(bad.body.problems, [
        { in: 'body', pointer: '/parent', expected: 'must be integer,null' },
      ]);
      // Larger than what the chain holds before pausing the client (64 KiB).
      const sent = JSON.stringify({ text: 'n'.repeat(300_000), parent: null });
      const res = await request(gw.url('/held/notes'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: sent,
      });
      await res.body.dump();
      t.equal(res.statusCode, 201);
      t.equal(received.at(-1)?.toString('utf8'), sent);
    },
  );

  t.test('a route pinned to an operation by operationId', async (t) => {
    const bad = await refused('POST', '/create', { body: {}, headers: tenant });
    t.same(bad.body.problems, [{ in: 'body', pointer: '/name', expected: 'is required' }]);
    const ok = await jsonCall(gw, 'POST', '/create', { body: { name: 'tom' }, headers: tenant });
    t.equal(ok.status, 201);
  });

  t.test('editing the document reloads it; a broken one keeps the last good', async (t) => {
    const from = gw.logs.length;
    writeFileSync(join(dir, 'pets.yaml'), petsDocument(3));
    await gw.waitForLog(
      (l) => l.msg === 'config loaded' && l.reason === 'OpenAPI document changed',
      10_000,
      from,
    );
    const now = await refused('GET', '/api/pets?limit=5');
    t.same(now.body.problems, [{ in: 'query', pointer: '/limit', expected: 'must be <= 3' }]);

    const failedFrom = gw.logs.length;
    writeFileSync(join(dir, 'pets.yaml'), 'openapi: 3.0.3\npaths:\n  /pets: [oops\n');
    const failed = await gw.waitForLog(
      (l) => l.msg === 'config reload failed; still serving the previous config',
      10_000,
      failedFrom,
    );
    t.match(JSON.stringify(failed.problems), /pets\.yaml:3:\d+: GW_ERR_CONFIG_YAML/);
    const still = await refused('GET', '/api/pets?limit=5');
    t.equal(still.status, 400, 'the last good document still serves');
  });
});

t.test('gatewayd check: document problems at file:line:col, routes mapped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-openapi-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'bad.yaml'),
    `openapi: 3.0.3
info: { title: Bad, version: "1" }
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Missing" }
`,
  );
  writeFileSync(join(dir, 'pets.yaml'), petsDocument(100));
  writeFileSync(join(dir, 'swagger.json'), '{"swagger": "2.0", "paths": {}}');
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `upstreams:
  pets: { discovery: { type: Static, endpoints: ["http://127.0.0.1:9"] } }
openapi_documents:
  - { name: bad, file: ./bad.yaml }
  - { name: pets, file: ./pets.yaml }
  - { name: old, file: ./swagger.json }
  - { name: gone, file: ./gone.yaml }
routes:
  - { path: /api/pets, upstream: pets, openapi_validation: pets }
  - { path: /elsewhere, upstream: pets, openapi_validation: pets }
  - { path: "/api/pets/{id}", methods: [PATCH], upstream: pets, openapi_validation: pets }
  - { path: /x, upstream: pets, openapi_validation: nope }
  - { path: /y, upstream: pets, openapi_validation: { document: pets, operation: nope } }
`,
  );
  const { code, stdout, stderr } = await runCli(['check', file]);
  const out = stdout + stderr;
  t.equal(code, 1, out);
  t.match(
    out,
    /bad\.yaml:9:\d+: GW_ERR_CONFIG_OPENAPI \$ref "#\/components\/schemas\/Missing" points to nothing/,
  );
  t.match(out, /swagger\.json:1:\d+: GW_ERR_CONFIG_OPENAPI this is a Swagger 2\.0 document/);
  t.match(out, /gone\.yaml:1:1: GW_ERR_CONFIG_OPENAPI the OpenAPI document .* does not exist/);
  t.match(
    out,
    /gateway\.yaml:10:\d+: warning GW_WARN_CONFIG_OPENAPI_OPERATION route "\/elsewhere" matches no path/,
  );
  t.match(
    out,
    /gateway\.yaml:11:\d+: warning GW_WARN_CONFIG_OPENAPI_OPERATION .* no PATCH operation on \/pets\/\{petId\}/,
  );
  t.match(
    out,
    /gateway\.yaml:12:\d+: GW_ERR_CONFIG_UNDEFINED_OPENAPI_DOCUMENT no OpenAPI document named "nope"/,
  );
  t.match(
    out,
    /gateway\.yaml:13:\d+: GW_ERR_CONFIG_UNDEFINED_OPENAPI_DOCUMENT document "pets" has no operation with operationId "nope"/,
  );
  t.notMatch(out, /gateway\.yaml:9:\d+: warning/, 'the route on a document path maps');
});
