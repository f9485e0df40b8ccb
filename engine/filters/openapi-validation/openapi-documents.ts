import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Ajv } from 'ajv';
import type { ConfigPath, ConfigProblem, PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';
import { parseSize } from '../../config/units.js';
import { ConfigCode } from '../../errors/config-codes.js';
import { parsePathPattern } from '../../router/path-pattern.js';
import {
  bySpecificity,
  HTTP_METHODS,
  routeCovers,
  splitTemplate,
  type DocumentPath,
} from './document-paths.js';
import { absoluteRefs, readOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
import { compileOperation, type CompiledOperation } from './operation-validator.js';

/** One entry of `openapi_documents`, read and compiled: what routes validate against. */
export interface ValidatedDocument {
  readonly name: string;
  readonly file: string;
  /** Its paths with their compiled operations, in matching order. */
  readonly paths: ReadonlyArray<DocumentPath<CompiledOperation>>;
  readonly byOperationId: ReadonlyMap<
    string,
    { op: CompiledOperation; path: DocumentPath<CompiledOperation> }
  >;
  /** `max_body_size`; null: the server's limit. */
  readonly maxBodyBytes: number | null;
}

/** The documents of one load of the config: built once per load, shared by its tables. */
export interface OpenApiDocuments {
  readonly documents: ReadonlyMap<string, ValidatedDocument>;
}

export interface OpenApiLoad {
  /** Problems at config paths (the config's locator places them). */
  problems: PathProblem[];
  /** Problems inside the documents, already placed in their files. */
  placed: ConfigProblem[];
  documents: OpenApiDocuments | null;
  /** Every document file named, read or not: the gateway watches them. */
  files: string[];
  /** Changes with any document's text. */
  hash: string;
}

/** The route's `openapi_validation`, in its long form. */
export interface RouteValidation {
  document: string;
  operation?: string;
  unknown_operations?: 'reject' | 'pass';
}

export function routeValidation(rc: RouteConfig): RouteValidation | undefined {
  const v = rc.openapi_validation;
  return typeof v === 'string' ? { document: v } : v;
}

const require = createRequire(import.meta.url);

/**
 * Reads each document of `openapi_documents` (relative to the config file), compiles a validator
 * for each of its operations, and checks every route's `openapi_validation` against them: an
 * unknown document or operationId is an error, a route that covers no operation a warning.
 */
export function loadOpenApiDocuments(
  config: GatewayConfig,
  configFile: string,
  /** A value the loader's draft made up (an unset variable, a value the schema refused). */
  isMadeUp: (path: ConfigPath) => boolean = () => false,
): OpenApiLoad {
  const entries = config.openapi_documents ?? [];
  const problems: PathProblem[] = [];
  const placed: ConfigProblem[] = [];
  const files: string[] = [];
  const documents = new Map<string, ValidatedDocument>();
  const hash = createHash('sha256');
  for (const [index, entry] of entries.entries()) {
    const at = ['openapi_documents', index];
    if (entries.findIndex((e) => e.name === entry.name) < index) {
      problems.push(
        error(
          ConfigCode.UNDEFINED_OPENAPI_DOCUMENT,
          `an OpenAPI document named "${entry.name}" is listed twice`,
          [...at, 'name'],
        ),
      );
      continue;
    }
    // Its problem is reported once, as the variable's or the schema's.
    if (isMadeUp([...at, 'file'])) continue;
    const file = resolve(dirname(configFile), entry.file);
    files.push(file);
    const read = readOpenApiDocument(file);
    hash.update(`${entry.name} ${read.ok ? read.document.hash : read.hash}\n`);
    if (!read.ok) {
      placed.push(...read.problems);
      continue;
    }
    const compiled = compileDocument(entry.name, read.document, entry.base_path, placed);
    if (compiled === null) continue;
    const maxBodyBytes =
      entry.max_body_size === undefined ? null : (parseSize(entry.max_body_size) ?? null);
    documents.set(entry.name, { ...compiled, maxBodyBytes });
  }
  const declared = entries.map((e) => e.name);
  for (const [r, rc] of config.routes.entries()) {
    const v = routeValidation(rc);
    if (v === undefined) continue;
    const at = [
      'routes',
      r,
      'openapi_validation',
      ...(typeof rc.openapi_validation === 'string' ? [] : ['document']),
    ];
    if (!declared.includes(v.document)) {
      problems.push({
        ...error(
          ConfigCode.UNDEFINED_OPENAPI_DOCUMENT,
          `no OpenAPI document named "${v.document}" in the top-level openapi_documents list`,
          at,
        ),
        hint:
          declared.length === 0
            ? 'declare it in openapi_documents: [{name, file}]'
            : `declared documents: ${declared.join(', ')}`,
      });
      continue;
    }
    const doc = documents.get(v.document);
    if (doc !== undefined) problems.push(...checkRouteOperations(rc, r, v, doc));
  }
  return {
    problems,
    placed,
    documents: { documents },
    files,
    hash: entries.length === 0 ? '' : hash.digest('hex'),
  };
}

function compileDocument(
  name: string,
  document: OpenApiDocument,
  basePath: string | undefined,
  placed: ConfigProblem[],
): Omit<ValidatedDocument, 'maxBodyBytes'> | null {
  const id = `openapi:${name}`;
  const root = document.root;
  absoluteRefs(root, id);
  const ajv = {
    parameters: createAjv(document.version, true),
    body: createAjv(document.version, false),
  };
  ajv.parameters.addSchema(root, id, undefined, false);
  ajv.body.addSchema(root, id, undefined, false);
  const base = (basePath ?? serverPath(root)).replace(/\/$/, '');
  const paths: Array<DocumentPath<CompiledOperation>> = [];
  const byOperationId = new Map<
    string,
    { op: CompiledOperation; path: DocumentPath<CompiledOperation> }
  >();
  let failed = false;
  for (const [template, item] of Object.entries((root['paths'] ?? {}) as Record<string, unknown>)) {
    if (typeof item !== 'object' || item === null) continue;
    const pathItem = item as Record<string, unknown>;
    const operations = new Map<string, CompiledOperation>();
    const { segments, paramNames } = splitTemplate(base, template);
    const path = { template, segments, paramNames, operations };
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (typeof operation !== 'object' || operation === null) continue;
      try {
        const op = compileOperation(
          {
            root,
            template,
            method: method.toUpperCase(),
            pathItem,
            operation: operation as Record<string, unknown>,
          },
          ajv,
        );
        operations.set(op.method, op);
        if (op.operationId !== undefined) byOperationId.set(op.operationId, { op, path });
      } catch (err) {
        failed = true;
        placed.push(
          document.locate({
            severity: 'error',
            code: ConfigCode.OPENAPI,
            message: `${method.toUpperCase()} ${template}: a schema ajv cannot compile: ${(err as Error).message}`,
            path: ['paths', template, method],
            atKey: true,
          }),
        );
      }
    }
    paths.push(path);
  }
  if (failed) return null;
  return { name, file: document.file, paths: bySpecificity(paths), byOperationId };
}

/** The path of the document's first server URL ("/v1" of https://api.example.com/v1), else "". */
function serverPath(root: Record<string, unknown>): string {
  const servers = root['servers'];
  const url = Array.isArray(servers)
    ? (servers[0] as { url?: unknown } | undefined)?.url
    : undefined;
  if (typeof url !== 'string' || url.includes('{')) return '';
  try {
    return new URL(url, 'http://gateway.invalid').pathname;
  } catch {
    return '';
  }
}

/** The route maps to operations of the document: warned where it does not. */
function checkRouteOperations(
  rc: RouteConfig,
  r: number,
  v: RouteValidation,
  doc: ValidatedDocument,
): PathProblem[] {
  const at = ['routes', r, 'openapi_validation'];
  if (v.operation !== undefined) {
    if (doc.byOperationId.has(v.operation)) return [];
    return [
      error(
        ConfigCode.UNDEFINED_OPENAPI_DOCUMENT,
        `document "${doc.name}" has no operation with operationId "${v.operation}"`,
        [...at, 'operation'],
      ),
    ];
  }
  let pattern;
  try {
    pattern = parsePathPattern(rc.path);
  } catch {
    // The route's own path problem is reported by the compiler.
    return [];
  }
  const covered = doc.paths.filter((p) => routeCovers(pattern, p));
  const label = `route "${rc.path}"`;
  if (covered.length === 0) {
    return [
      {
        severity: 'warning',
        code: ConfigCode.OPENAPI_OPERATION,
        message: `${label} matches no path of OpenAPI document "${doc.name}"${v.unknown_operations === 'pass' ? ': its requests go through unvalidated' : ': its requests get 404'}`,
        hint: "fix the path, or the document's base_path (the path in front of the document's paths)",
        path: ['routes', r, 'path'],
      },
    ];
  }
  const methods = new Set(covered.flatMap((p) => [...p.operations.keys()]));
  const missing = (rc.methods ?? []).filter(
    (m) => !methods.has(m) && !(m === 'HEAD' && methods.has('GET')),
  );
  if (missing.length === 0) return [];
  return [
    {
      severity: 'warning',
      code: ConfigCode.OPENAPI_OPERATION,
      message: `${label}: OpenAPI document "${doc.name}" has no ${missing.join(', ')} operation on ${covered.map((p) => p.template).join(', ')}`,
      hint: `the document has ${[...methods].join(', ')} there`,
      path: ['routes', r, 'methods'],
    },
  ];
}

function error(code: string, message: string, path: ReadonlyArray<string | number>): PathProblem {
  return { severity: 'error', code, message, path: [...path] };
}

/** Formats OpenAPI adds to JSON Schema's; the numeric ones are checked for their range. */
const OPENAPI_FORMATS: Record<
  string,
  { type: 'number' | 'string'; validate: (v: never) => boolean }
> = {
  int32: {
    type: 'number',
    validate: (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31,
  },
  int64: { type: 'number', validate: (v: number) => Number.isInteger(v) },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  byte: {
    type: 'string',
    validate: (v: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  },
  binary: { type: 'string', validate: () => true },
  password: { type: 'string', validate: () => true },
};

/**
 * An ajv for one document: JSON Schema 2020-12 for OpenAPI 3.1, draft-07 (3.0's schemas are
 * rewritten into it) for 3.0. Parameters arrive as strings: their ajv coerces them to the
 * declared types; bodies are JSON and are taken as they are.
 */
function createAjv(version: '3.0' | '3.1', coerce: boolean): Ajv {
  // Loaded only when a config validates against OpenAPI documents.
  const options = {
    allErrors: true,
    strict: false,
    logger: false as const,
    coerceTypes: coerce ? ('array' as const) : false,
    validateFormats: true,
  };
  const ajv: Ajv =
    version === '3.1'
      ? new (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020(options)
      : new (require('ajv') as typeof import('ajv')).Ajv(options);
  (require('ajv-formats') as typeof import('ajv-formats').default)(ajv);
  for (const [name, format] of Object.entries(OPENAPI_FORMATS))
    ajv.addFormat(name, format as never);
  return ajv;
}
