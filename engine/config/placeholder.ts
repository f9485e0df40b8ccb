import { configFormats } from './config-formats.js';
import { field } from './schema-field.js';

/**
 * Strings that satisfy the schema's patterns, one family each (paths, names, hosts, host:port, addresses, Redis URLs,
 * key hashes, dates, rates, ...): a test checks that each pattern of the schema takes one.
 */
export const PLACEHOLDER_STRINGS: readonly string[] = [
  'placeholder',
  '/placeholder',
  'redis://placeholder.invalid:6379',
  `sha256:${'0'.repeat(64)}`,
  '2000-01-01',
  '1/s',
  'ip',
  '2xx',
  'user@placeholder.invalid',
  '$scrypt$placeholder',
  'presence.{tenant}',
  'placeholder.invalid:6379',
  '192.0.2.1',
  'path',
];

/**
 * A value that `schema` accepts, standing in for a wrong or unset one so that the checks after
 * the schema can run on the rest of the config: the schema's default where it has one, else the
 * smallest value of its type.
 */
export function placeholderFor(schema: unknown, root: unknown): unknown {
  const node = resolveRef(schema, root);
  if (field(node, 'default') !== undefined) return structuredClone(field(node, 'default'));
  if (field(node, 'const') !== undefined) return field(node, 'const');
  const choices = field(node, 'enum');
  if (Array.isArray(choices)) return choices[0];
  const then = field(node, 'then');
  if (then !== undefined) return placeholderFor(then, root);
  const branches = field(node, 'oneOf') ?? field(node, 'anyOf');
  if (Array.isArray(branches)) return placeholderFor(branches[0], root);
  const type = [field(node, 'type')].flat()[0];
  switch (type) {
    case 'integer':
    case 'number':
      return numberFor(node);
    case 'boolean':
      return false;
    case 'string':
      return stringFor(node);
    case 'array': {
      const count = Number(field(node, 'minItems') ?? 0);
      return Array.from({ length: count }, () => placeholderFor(field(node, 'items'), root));
    }
    case 'object': {
      const required = field(node, 'required');
      const properties = field(node, 'properties');
      const value: Record<string, unknown> = {};
      for (const key of Array.isArray(required) ? (required as string[]) : []) {
        value[key] = placeholderFor(field(properties, key), root);
      }
      return value;
    }
  }
  return null;
}

/** Follows a local `$ref` ("#/$defs/route") to its schema. */
export function resolveRef(schema: unknown, root: unknown): unknown {
  let node = schema;
  for (let ref = field(node, '$ref'); typeof ref === 'string'; ref = field(node, '$ref')) {
    node = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => field(at, key), root);
  }
  return node;
}

function numberFor(node: unknown): number {
  const minimum = field(node, 'minimum');
  if (typeof minimum === 'number') return minimum;
  const above = field(node, 'exclusiveMinimum');
  if (typeof above === 'number') return above + 1;
  return 0;
}

function stringFor(node: unknown): string {
  const format = configFormats[String(field(node, 'format'))];
  if (format !== undefined) return format.sample;
  const pattern = field(node, 'pattern');
  if (typeof pattern !== 'string') return PLACEHOLDER_STRINGS[0] as string;
  const regex = new RegExp(pattern, 'u');
  return PLACEHOLDER_STRINGS.find((s) => regex.test(s)) ?? (PLACEHOLDER_STRINGS[0] as string);
}
