import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Exchange } from '../../data-plane/exchange.js';
import { readCookie } from '../../data-plane/read-cookie.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { deref } from './openapi-document.js';

type Location = 'path' | 'query' | 'header' | 'cookie';

/** One parameter of an operation, as the request carries it. */
interface Parameter {
  readonly name: string;
  /** Header names are looked up in lower case. */
  readonly key: string;
  readonly in: Location;
  /** Its schema is an array: repeated or delimited values become one array. */
  readonly array: boolean;
  /** The delimiter of an array in one value (`simple`/`form` without explode: ","). */
  readonly delimiter: string | null;
  /** `style: deepObject`: name[key]=value pairs become an object. */
  readonly deepObject: boolean;
  /** Described by `content: application/json`: the value is JSON. */
  readonly json: boolean;
}

interface MediaType {
  /** Lower case, as the document lists it ("application/json", "image/*"). */
  readonly range: string;
  /** Parsed and checked as JSON. */
  readonly json: boolean;
  /** Null when the document gives no schema for it. */
  readonly validate: ValidateFunction | null;
}

/** What a request step checks against one operation: built once per load, shared by routes. */
export interface CompiledOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string | undefined;
  readonly parameters: readonly Parameter[];
  readonly validateParameters: ValidateFunction | null;
  /** Null when the operation has no requestBody. */
  readonly body: { readonly required: boolean; readonly media: readonly MediaType[] } | null;
  /** Refusals made once: a missing body, an unsupported media type. */
  readonly bodyRequired: GatewayError;
  readonly unsupportedMedia: GatewayError;
}

export interface OperationSource {
  readonly root: Record<string, unknown>;
  readonly template: string;
  readonly method: string;
  readonly pathItem: Record<string, unknown>;
  readonly operation: Record<string, unknown>;
}

/** Headers OpenAPI says a parameter list never describes. */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/**
 * Compiles the checks of one operation: one validator for all its parameters (with string
 * values coerced to the declared types) and one per JSON media type of its body. Throws what
 * ajv throws for a schema it cannot compile.
 */
export function compileOperation(
  source: OperationSource,
  ajv: { parameters: Ajv; body: Ajv },
): CompiledOperation {
  const { root, template, method, pathItem, operation } = source;
  const declared = new Map<string, Record<string, unknown>>();
  for (const list of [pathItem['parameters'], operation['parameters']]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const p = deref(root, entry) as Record<string, unknown> | undefined;
      if (typeof p !== 'object' || p === null) continue;
      const name = String(p['name']);
      const place = String(p['in']);
      // The operation's own entry replaces the path item's of the same name and place.
      declared.set(`${place}\u0000${place === 'header' ? name.toLowerCase() : name}`, p);
    }
  }
  const parameters: Parameter[] = [];
  const sections: Record<Location, { properties: Record<string, unknown>; required: string[] }> = {
    path: { properties: {}, required: [] },
    query: { properties: {}, required: [] },
    header: { properties: {}, required: [] },
    cookie: { properties: {}, required: [] },
  };
  for (const p of declared.values()) {
    const place = p['in'] as Location;
    if (!(place in sections)) continue;
    const name = String(p['name']);
    if (place === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) continue;
    const content = p['content'] as Record<string, { schema?: unknown }> | undefined;
    const jsonContent = content?.['application/json'];
    const schema = p['schema'] ?? jsonContent?.schema ?? {};
    const resolved = deref(root, schema) as { type?: unknown } | undefined;
    const type = resolved?.type;
    const array = type === 'array' || (Array.isArray(type) && type.includes('array'));
    const style =
      typeof p['style'] === 'string'
        ? p['style']
        : place === 'query' || place === 'cookie'
          ? 'form'
          : 'simple';
    const explode = typeof p['explode'] === 'boolean' ? p['explode'] : style === 'form';
    parameters.push({
      name,
      key: place === 'header' ? name.toLowerCase() : name,
      in: place,
      array,
      delimiter:
        style === 'spaceDelimited'
          ? ' '
          : style === 'pipeDelimited'
            ? '|'
            : explode && style === 'form'
              ? null
              : ',',
      deepObject: style === 'deepObject',
      json: p['schema'] === undefined && jsonContent !== undefined,
    });
    sections[place].properties[name] = schema;
    if (p['required'] === true || place === 'path') sections[place].required.push(name);
  }
  const used = (Object.keys(sections) as Location[]).filter(
    (k) => Object.keys(sections[k].properties).length > 0,
  );
  const validateParameters =
    used.length === 0
      ? null
      : ajv.parameters.compile({
          type: 'object',
          properties: Object.fromEntries(used.map((k) => [k, { type: 'object', ...sections[k] }])),
        });

  const requestBody = deref(root, operation['requestBody']) as
    { required?: unknown; content?: Record<string, { schema?: unknown }> } | undefined;
  let body: CompiledOperation['body'] = null;
  if (typeof requestBody === 'object' && requestBody !== null) {
    const media: MediaType[] = Object.entries(requestBody.content ?? {}).map(([range, m]) => {
      const lower = range.toLowerCase().split(';')[0]?.trim() ?? '';
      const json = isJsonMedia(lower);
      const schema = (m as { schema?: unknown } | null)?.schema;
      return {
        range: lower,
        json,
        validate: json && schema !== undefined ? ajv.body.compile(withoutId(schema)) : null,
      };
    });
    body = { required: requestBody.required === true, media: bySpecificRange(media) };
  }
  const accepted = body?.media.map((m) => m.range).join(', ') ?? '';
  return {
    method,
    template,
    operationId:
      typeof operation['operationId'] === 'string' ? operation['operationId'] : undefined,
    parameters,
    validateParameters,
    body,
    bodyRequired: new GatewayError(
      'REQUEST_INVALID',
      'the request body is required',
      [],
      [{ in: 'body', pointer: '', expected: `a body of ${accepted}` }],
    ),
    unsupportedMedia: new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      `this operation accepts request bodies of ${accepted}`,
    ),
  };
}

/**
 * A schema of the document for ajv.compile: its `$ref`s already name the document; an `$id` of
 * its own is dropped, as operations that share the schema each compile it and ajv refuses an
 * id twice.
 */
function withoutId(schema: unknown): boolean | object {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema !== 'object' || schema === null) return {};
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$id'));
}

function isJsonMedia(range: string): boolean {
  return range === 'application/json' || range.endsWith('+json');
}

/** Exact types before "type/*" before "*\/*". */
function bySpecificRange(media: MediaType[]): MediaType[] {
  const rank = (r: string) => (r === '*/*' ? 2 : r.endsWith('/*') ? 1 : 0);
  return media.sort((a, b) => rank(a.range) - rank(b.range));
}

/** The media type of the document a Content-Type falls under, or undefined. */
export function mediaFor(
  media: readonly MediaType[],
  contentType: string | undefined,
): MediaType | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const major = type.slice(0, type.indexOf('/') + 1);
  for (const m of media) {
    if (m.range === type) return m;
    if (type !== '' && m.range.endsWith('/*') && (m.range === '*/*' || m.range === `${major}*`))
      return m;
  }
  return undefined;
}

/**
 * Checks the path parameters (`pathValues[i]` is the value of `pathNames[i]`), query, headers
 * and cookies.
 */
export function checkParameters(
  op: CompiledOperation,
  ex: Exchange,
  pathNames: readonly string[],
  pathValues: readonly string[],
): GatewayError | null {
  const validate = op.validateParameters;
  if (validate === null) return null;
  const data: Record<Location, Record<string, unknown>> = {
    path: {},
    query: {},
    header: {},
    cookie: {},
  };
  let query: URLSearchParams | null = null;
  const jsonFailures: Array<{ in: Location; pointer: string; expected: string }> = [];
  for (const p of op.parameters) {
    let raw: unknown;
    if (p.in === 'path') raw = pathValues[pathNames.indexOf(p.name)];
    else if (p.in === 'header') raw = ex.header(p.key);
    else if (p.in === 'cookie') raw = readCookie(ex.header('cookie'), p.name) ?? undefined;
    else {
      query ??= new URLSearchParams(ex.query);
      raw = p.deepObject
        ? deepObjectOf(query, p.name)
        : p.array && p.delimiter === null
          ? nonEmpty(query.getAll(p.name))
          : (query.get(p.name) ?? undefined);
    }
    if (raw === undefined) continue;
    if (p.json && typeof raw === 'string') {
      try {
        raw = JSON.parse(raw);
      } catch {
        jsonFailures.push({ in: p.in, pointer: `/${escape(p.name)}`, expected: 'must be JSON' });
        continue;
      }
    } else if (p.array && typeof raw === 'string') {
      raw = p.delimiter === null ? [raw] : raw.split(p.delimiter);
    }
    data[p.in][p.name] = raw;
  }
  if (jsonFailures.length > 0) return invalid(jsonFailures);
  if (validate(data)) return null;
  return invalid(describeErrors(validate.errors ?? [], null));
}

/** Checks a JSON body against the media type's schema; the body is parsed here. */
export function checkJsonBody(media: MediaType, body: Buffer): GatewayError | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return invalid([
      { in: 'body', pointer: '', expected: `must be JSON (${(err as Error).message})` },
    ]);
  }
  const validate = media.validate;
  if (validate === null || validate(value)) return null;
  return invalid(describeErrors(validate.errors ?? [], 'body'));
}

interface RequestProblem {
  in: string;
  pointer: string;
  expected: string;
}

/** At most this many problems in one answer: enough to fix a request, short enough to read. */
const MAX_PROBLEMS = 10;

function invalid(problems: RequestProblem[]): GatewayError {
  const first = problems[0] as RequestProblem;
  const where =
    first.in === 'body'
      ? `the request body${first.pointer === '' ? '' : ` at ${first.pointer}`}`
      : `${first.in} parameter "${unescape(first.pointer.slice(1).split('/')[0] ?? '')}"`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new GatewayError(
    'REQUEST_INVALID',
    `${where} ${first.expected}${more}`,
    [],
    problems.slice(0, MAX_PROBLEMS),
  );
}

/**
 * ajv's errors as problems: `in` is "body", or the parameter's place (the first segment of the
 * path ajv reports); `pointer` is the JSON pointer within it, a missing property's included.
 */
function describeErrors(errors: readonly ErrorObject[], place: 'body' | null): RequestProblem[] {
  const seen = new Set<string>();
  const problems: RequestProblem[] = [];
  for (const e of errors) {
    let pointer = e.instancePath;
    if (e.keyword === 'required')
      pointer += `/${escape((e.params as { missingProperty: string }).missingProperty)}`;
    let location = 'body';
    if (place === null) {
      const cut = pointer.indexOf('/', 1);
      location = cut === -1 ? pointer.slice(1) : pointer.slice(1, cut);
      pointer = cut === -1 ? '' : pointer.slice(cut);
    }
    const expected =
      e.keyword === 'required'
        ? 'is required'
        : e.keyword === 'enum'
          ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
          : e.keyword === 'additionalProperties'
            ? `must not have property "${(e.params as { additionalProperty: string }).additionalProperty}"`
            : (e.message ?? 'is invalid');
    const key = `${location} ${pointer} ${expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ in: location, pointer, expected });
  }
  return problems;
}

function deepObjectOf(query: URLSearchParams, name: string): Record<string, string> | undefined {
  let object: Record<string, string> | undefined;
  const prefix = `${name}[`;
  for (const [key, value] of query) {
    if (!key.startsWith(prefix) || !key.endsWith(']')) continue;
    object ??= {};
    object[key.slice(prefix.length, -1)] = value;
  }
  return object;
}

function nonEmpty(values: string[]): string[] | undefined {
  return values.length === 0 ? undefined : values;
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
