import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigPath } from './config-problem.js';
import { configFormats } from './config-formats.js';
import { describeValue } from './describe-value.js';
import { formatConfigPath } from './format-config-path.js';
import { field } from './schema-field.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'a mapping',
  array: 'a list',
};

/** Booleans in YAML 1.1 only: a config written for another tool may use them. */
const YAML_11_BOOLEAN = /^(y|yes|n|no|on|off)$/i;

/** "expected an integer, got a string ("8080")", with a hint at the likely fix. */
export function describeTypeError(
  e: ErrorObject,
  path: ConfigPath,
  description: string | undefined,
): { message: string; hint?: string } {
  const where = formatConfigPath(path);
  if (path.length === 0) {
    const message = `${where}: expected a mapping, got ${describeValue(e.data)}`;
    return { message, hint: 'a config is a mapping of top-level keys, with at least routes:' };
  }
  const types = [e.params.type as string | string[]].flat();
  const format = configFormats[String(field(e.parentSchema, 'format'))];
  const expected =
    format && types.length === 1 ? format.noun : joinOr(types.map((t) => TYPE_NAMES[t] ?? t));
  const message = `${where}: expected ${expected}, got ${describeValue(e.data)}`;
  const text = typeof e.data === 'string' ? e.data.trim() : '';
  const numeric = text !== '' && !Number.isNaN(Number(text));
  if (numeric && (types.includes('integer') || types.includes('number'))) {
    return { message, hint: `remove the quotes to write a number: ${text}` };
  }
  if (YAML_11_BOOLEAN.test(text) && types.includes('boolean')) {
    return { message, hint: `write true or false; YAML 1.2 reads ${text} as a string` };
  }
  // A union (the endpoint forms, a response body) is best explained by its description.
  return { message, hint: format?.hint ?? (types.length > 1 ? description : undefined) };
}

function joinOr(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
