import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { PathProblem } from './config-problem.js';
import { configFormats } from './config-formats.js';
import { describeSchemaErrors } from './describe-schema-error.js';

/** From engine/config/ and from dist/config/ alike. */
const SCHEMA_URL = new URL('../../schemas/gateway.schema.json', import.meta.url);

let validators: { config: ValidateFunction; route: ValidateFunction } | undefined;

/** Checks a parsed config against schemas/gateway.schema.json; no problems means it is valid. */
export function validateSchema(data: unknown): PathProblem[] {
  return run((validators ??= compileValidators()).config, data);
}

/**
 * Checks one route object (a runtime route from the admin API) against the schema's route
 * definition, the one every route of a file is checked against; paths are relative to the route.
 */
export function validateRoute(data: unknown): PathProblem[] {
  return run((validators ??= compileValidators()).route, data);
}

function run(validate: ValidateFunction, data: unknown): PathProblem[] {
  return validate(data) ? [] : describeSchemaErrors(validate.errors ?? [], data);
}

/** Once per process: compiling costs far more (hundreds of ms) than validating a file. */
function compileValidators(): { config: ValidateFunction; route: ValidateFunction } {
  // verbose: errors carry their schema and data, which the descriptions quote.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true });
  for (const [name, format] of Object.entries(configFormats)) {
    ajv.addFormat(name, { type: 'string', validate: format.validate });
  }
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as { $id: string };
  const config = ajv.compile(schema);
  const route = ajv.getSchema(`${schema.$id}#/$defs/route`);
  if (route === undefined) throw new Error('the schema has no $defs/route');
  return { config, route };
}
