import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { configFormats } from '../../engine/config/config-formats.js';
import { addConfigFormats, AJV_OPTIONS, SCHEMA_URL } from '../../engine/config/schema-compiler.js';

const require = createRequire(import.meta.url);
const PRECOMPILED = fileURLToPath(
  new URL('../../dist/config/schema-validators.cjs', import.meta.url),
);
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Precompiled {
  schemaHash: string;
  build(formats: typeof configFormats): { config: ValidateFunction; route: ValidateFunction };
}

t.test('the build precompiles the schema it ships, with the same verdicts', async (t) => {
  const text = readFileSync(SCHEMA_URL, 'utf8');
  const precompiled = require(PRECOMPILED) as Precompiled;
  t.equal(
    precompiled.schemaHash,
    createHash('sha256').update(text).digest('hex'),
    'dist/config/schema-validators.cjs is from this schema (npm run build makes it)',
  );
  const built = precompiled.build(configFormats);
  const ajv = new Ajv2020(AJV_OPTIONS);
  addConfigFormats(ajv);
  const compiled = ajv.compile(JSON.parse(text) as object);

  // Every fixture, valid and invalid, gets the same answer and the same errors from both.
  for (const dir of ['valid', 'invalid']) {
    for (const name of readdirSync(`${FIXTURES}${dir}`).filter((n) => n.endsWith('.yaml'))) {
      let data: unknown;
      try {
        data = parse(readFileSync(`${FIXTURES}${dir}/${name}`, 'utf8'));
      } catch {
        continue; // YAML syntax fixtures never reach the schema.
      }
      const expected = compiled(data);
      t.equal(built.config(data), expected, `${dir}/${name}: same verdict`);
      t.same(
        (built.config.errors ?? []).map((e) => [e.instancePath, e.keyword, e.params]),
        (compiled.errors ?? []).map((e) => [e.instancePath, e.keyword, e.params]),
        `${dir}/${name}: same errors`,
      );
    }
  }
});
