// Writes the generated reference pages of docs/reference/ from their single sources: the config
// schema, the commander program, the error codes and the metric definitions. With --check it
// writes nothing and exits 1 when a page differs from what its source gives (the test suite runs
// it that way). Reads the built engine: run `npm run docs`, which builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { renderCliReference } from './cli-reference.mjs';
import { renderConfigReference } from './config-reference.mjs';
import { renderErrorsReference } from './errors-reference.mjs';
import { formatMarkdown } from './markdown.mjs';
import { renderMetricsReference } from './metrics-reference.mjs';

const root = new URL('../../', import.meta.url);
const dist = (path) => import(new URL(`dist/${path}`, root).href);

const [
  { configFormats },
  { SCHEMA_URL, AJV_OPTIONS, addConfigFormats },
  { program },
  errors,
  configCodes,
  { REQUEST_CODE_DOCS, CONFIG_CODE_DOCS },
  { METRICS, METRIC_PREFIX },
] = await Promise.all([
  dist('config/config-formats.js'),
  dist('config/schema-compiler.js'),
  dist('cli/program.js'),
  dist('errors/gateway-error.js'),
  dist('errors/config-codes.js'),
  dist('errors/code-docs.js'),
  dist('observability/metrics/metric-definitions.js'),
]);

/** Checks a value against the schema node at a JSON pointer, with the engine's own formats. */
function schemaValidator() {
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js');
  const ajv = new Ajv2020(AJV_OPTIONS);
  addConfigFormats(ajv);
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
  ajv.addSchema(schema);
  return (pointer, value) => ajv.getSchema(`${schema.$id}#${pointer}`)(value);
}

const pages = {
  'docs/reference/configuration.md': () =>
    renderConfigReference({ root, formats: configFormats, validate: schemaValidator() }),
  'docs/reference/cli.md': () => renderCliReference(program),
  'docs/reference/errors.md': () =>
    renderErrorsReference({
      statuses: errors.ErrorCode,
      configCodes: configCodes.ConfigCode,
      requestDocs: REQUEST_CODE_DOCS,
      configDocs: CONFIG_CODE_DOCS,
    }),
  'docs/reference/metrics.md': () =>
    renderMetricsReference({ definitions: METRICS, prefix: METRIC_PREFIX }),
};

function readOrNull(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const check = process.argv.includes('--check');
const stale = [];
for (const [path, render] of Object.entries(pages)) {
  const file = fileURLToPath(new URL(path, root));
  const text = await formatMarkdown(await render(), file);
  if (readOrNull(file) === text) continue;
  if (check) stale.push(path);
  else {
    writeFileSync(file, text);
    console.log(`wrote ${path}`);
  }
}
if (stale.length > 0) {
  console.error(`stale generated pages: ${stale.join(', ')}\nregenerate them with: npm run docs`);
  process.exit(1);
}
