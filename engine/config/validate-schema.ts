import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { PathProblem } from './config-problem.js';
import { configFormats } from './config-formats.js';
import { describeSchemaErrors } from './describe-schema-error.js';
import { addConfigFormats, AJV_OPTIONS, SCHEMA_URL } from './schema-compiler.js';

interface Validators {
  config: ValidateFunction;
  route: ValidateFunction;
}

interface LoadedSchema extends Validators {
  /** The schema document itself, for placeholders of its types. */
  document: unknown;
}

/** What scripts/precompile-schema.mjs writes next to the built code. */
interface PrecompiledValidators {
  schemaHash: string;
  build(formats: typeof configFormats): Validators;
}

const PRECOMPILED_URL = new URL('./schema-validators.cjs', import.meta.url);
const require = createRequire(import.meta.url);

let loaded: LoadedSchema | undefined;

/** Checks a parsed config against schemas/gateway.schema.json; no problems means it is valid. */
export function validateSchema(data: unknown): PathProblem[] {
  return run((loaded ??= loadSchema()).config, data);
}

/** ajv's own errors for a parsed config (empty when it is valid), for repairing a draft. */
export function schemaErrors(data: unknown): ErrorObject[] {
  const { config } = (loaded ??= loadSchema());
  return config(data) ? [] : [...(config.errors ?? [])];
}

/** The config schema as parsed JSON. */
export function schemaDocument(): unknown {
  return (loaded ??= loadSchema()).document;
}

/**
 * Checks one route object (a runtime route from the admin API) against the schema's route
 * definition, the one every route of a file is checked against; paths are relative to the route.
 */
export function validateRoute(data: unknown): PathProblem[] {
  return run((loaded ??= loadSchema()).route, data);
}

function run(validate: ValidateFunction, data: unknown): PathProblem[] {
  return validate(data) ? [] : describeSchemaErrors(validate.errors ?? [], data);
}

/**
 * Once per process. The build's precompiled validators when they were made from this very
 * schema text (a start then costs tens of ms instead of hundreds); otherwise, as when the
 * sources run without a build or the schema changed since, the schema is compiled here.
 */
function loadSchema(): LoadedSchema {
  const text = readFileSync(SCHEMA_URL, 'utf8');
  const document = JSON.parse(text) as { $id: string };
  if (existsSync(PRECOMPILED_URL)) {
    const precompiled = require(fileURLToPath(PRECOMPILED_URL)) as PrecompiledValidators;
    const hash = createHash('sha256').update(text).digest('hex');
    if (precompiled.schemaHash === hash) return { ...precompiled.build(configFormats), document };
  }
  return { ...compileValidators(document), document };
}

function compileValidators(schema: { $id: string }): Validators {
  // Loaded only here: ajv itself takes a good part of the compile time.
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv2020(AJV_OPTIONS);
  addConfigFormats(ajv);
  const config = ajv.compile(schema);
  const route = ajv.getSchema(`${schema.$id}#/$defs/route`);
  if (route === undefined) throw new Error('the schema has no $defs/route');
  return { config, route };
}
