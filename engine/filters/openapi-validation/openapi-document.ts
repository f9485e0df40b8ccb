import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigPath, ConfigProblem } from '../../config/config-problem.js';
import { createLocator, type Locator } from '../../config/locate.js';
import { parseYaml } from '../../config/parse-yaml.js';
import { ConfigCode } from '../../errors/config-codes.js';

/** An OpenAPI document as read from its file: the parsed object and where its nodes are. */
export interface OpenApiDocument {
  readonly file: string;
  /** "3.0" or "3.1": the JSON Schema dialect of its schemas. */
  readonly version: '3.0' | '3.1';
  /** The parsed document; 3.0 schemas already rewritten into JSON Schema (see toJsonSchema30). */
  readonly root: Record<string, unknown>;
  /** Places a problem at a path of the document (JSON pointer segments) at file:line:col. */
  readonly locate: Locator;
  /** sha256 of the file's text: another text is another config. */
  readonly hash: string;
}

export type DocumentRead =
  { ok: true; document: OpenApiDocument } | { ok: false; problems: ConfigProblem[]; hash: string };

/**
 * Reads and parses an OpenAPI document (YAML or JSON), checks that it is OpenAPI 3.0 or 3.1 and
 * that every `$ref` points into the document; problems are placed in the document's own file.
 */
export function readOpenApiDocument(file: string): DocumentRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const message = missing
      ? `the OpenAPI document ${file} does not exist`
      : `cannot read the OpenAPI document ${file}: ${(err as Error).message}`;
    return { ok: false, problems: [problemAt(file, 1, 1, message)], hash: 'missing' };
  }
  const hash = createHash('sha256').update(text).digest('hex');
  const { doc, lineCounter, problems } = parseYaml(text, file);
  if (problems.length > 0) return { ok: false, problems, hash };
  const locate = createLocator(doc, lineCounter, file);
  const fail = (message: string, path: ConfigPath, atKey = false) => ({
    ok: false as const,
    problems: [locate({ severity: 'error', code: ConfigCode.OPENAPI, message, path, atKey })],
    hash,
  });
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail(`cannot read the document: ${(err as Error).message}`, []);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    return fail('an OpenAPI document is a mapping with `openapi`, `info` and `paths`', []);
  const object = root as Record<string, unknown>;
  const declared = object['openapi'];
  const version =
    typeof declared === 'string' && /^3\.0\.\d+/.test(declared)
      ? '3.0'
      : typeof declared === 'string' && /^3\.1\.\d+/.test(declared)
        ? '3.1'
        : null;
  if (version === null) {
    return typeof object['swagger'] === 'string'
      ? fail(
          'this is a Swagger 2.0 document; the gateway validates against OpenAPI 3.0 or 3.1 (convert it first, e.g. with swagger2openapi)',
          ['swagger'],
        )
      : fail(
          `\`openapi\` must be a 3.0.x or 3.1.x version, found ${JSON.stringify(declared ?? null)}`,
          declared === undefined ? [] : ['openapi'],
        );
  }
  const paths = object['paths'];
  if (paths !== undefined && (typeof paths !== 'object' || paths === null || Array.isArray(paths)))
    return fail('`paths` must be a mapping of path templates to path items', ['paths']);
  const badRefs = findBadRefs(object);
  if (badRefs.length > 0) {
    return {
      ok: false,
      problems: badRefs.map((b) =>
        locate({ severity: 'error', code: ConfigCode.OPENAPI, message: b.message, path: b.path }),
      ),
      hash,
    };
  }
  if (version === '3.0') toJsonSchema30(object);
  return { ok: true, document: { file, version, root: object, locate, hash } };
}

function problemAt(file: string, line: number, column: number, message: string): ConfigProblem {
  return { severity: 'error', code: ConfigCode.OPENAPI, message, path: [], file, line, column };
}

/** The value at a JSON pointer ("#/components/schemas/Pet") of the document, or undefined. */
export function resolvePointer(root: unknown, ref: string): unknown {
  // After absoluteRefs a reference names the document first ("openapi:petstore#/...").
  const fragment = ref.slice(ref.indexOf('#') + 1);
  let node: unknown = root;
  for (const segment of pointerSegments(fragment)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** "/paths/~1pets" -> ["paths", "/pets"]. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => unescapeUri(s).replaceAll('~1', '/').replaceAll('~0', '~'));
}

function unescapeUri(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Rewrites each `$ref` "#/..." into "<id>#/...": schemas copied out of the document into a
 * validator still resolve against the document, which ajv knows under `id`.
 */
export function absoluteRefs(node: unknown, id: string): void {
  if (Array.isArray(node)) {
    for (const item of node) absoluteRefs(item, id);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#'))
      object[key] = `${id}${value}`;
    else if (key !== 'example' && key !== 'examples') absoluteRefs(value, id);
  }
}

/** Follows `$ref`s (of parameters, request bodies, schemas) until an object without one. */
export function deref(root: unknown, node: unknown): unknown {
  const seen = new Set<unknown>();
  let current = node;
  while (
    typeof current === 'object' &&
    current !== null &&
    typeof (current as { $ref?: unknown }).$ref === 'string' &&
    !seen.has(current)
  ) {
    seen.add(current);
    current = resolvePointer(root, (current as { $ref: string }).$ref);
  }
  return current;
}

/** `$ref`s that lead nowhere, or out of the document: the gateway does not fetch other files. */
function findBadRefs(root: unknown): Array<{ message: string; path: ConfigPath }> {
  const bad: Array<{ message: string; path: ConfigPath }> = [];
  const walk = (node: unknown, path: Array<string | number>): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        if (!value.startsWith('#')) {
          bad.push({
            message: `$ref "${value}" points outside the document; bundle the referenced file into it (e.g. redocly bundle)`,
            path: [...path, key],
          });
        } else if (resolvePointer(root, value) === undefined) {
          bad.push({
            message: `$ref "${value}" points to nothing in the document`,
            path: [...path, key],
          });
        }
      } else if (key !== 'example' && key !== 'examples') {
        walk(value, [...path, key]);
      }
    }
  };
  walk(root, []);
  return bad;
}

/**
 * OpenAPI 3.0's schemas are an extended subset of JSON Schema draft 04: `nullable: true` and
 * boolean `exclusiveMinimum`/`exclusiveMaximum`. Rewritten in place into what ajv's draft-07
 * validator reads: a null-accepting type (or enum), and numeric exclusive bounds.
 */
function toJsonSchema30(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) toJsonSchema30(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema['nullable'] === true) {
    const type = schema['type'];
    if (typeof type === 'string') schema['type'] = [type, 'null'];
    if (Array.isArray(schema['enum']) && !schema['enum'].includes(null))
      schema['enum'] = [...(schema['enum'] as unknown[]), null];
    delete schema['nullable'];
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof schema[flag] !== 'boolean') continue;
    if (schema[flag] === true && typeof schema[bound] === 'number') {
      schema[flag] = schema[bound];
      delete schema[bound];
    } else {
      delete schema[flag];
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key !== 'example' && key !== 'examples') toJsonSchema30(value);
  }
}
