import type { ErrorObject } from 'ajv/dist/2020.js';
import { ConfigCode } from '../errors/config-codes.js';
import { collapseAlternatives } from './collapse-alternatives.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import { configFormats } from './config-formats.js';
import { didYouMean, suggestionHint } from './did-you-mean.js';
import { describeTypeError } from './describe-type-error.js';
import { literal } from './describe-value.js';
import { formatConfigPath } from './format-config-path.js';
import { field } from './schema-field.js';

/** What a schema `pattern` means, so a problem can say it in words rather than as a regex. */
const PATTERNS: Readonly<Record<string, { rule: string; hint?: string }>> = {
  '^/': { rule: 'must start with "/"' },
  '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]+)?$':
    {
      rule: 'is not a host name',
      hint: 'write a host such as api.example.com, *.example.com or localhost:8080',
    },
  '^[A-Za-z0-9][A-Za-z0-9_.-]*$': {
    rule: 'is not a valid name',
    hint: 'a name starts with a letter or digit and holds only letters, digits, "_", "." and "-"',
  },
  "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$": {
    rule: 'is not a valid header name',
    hint: "a header name holds only letters, digits and !#$%&'*+.^_`|~-",
  },
  '^\\s*[0-9][0-9,_]*\\s*/\\s*([0-9]+\\s*)?[A-Za-z]+\\s*$': {
    rule: 'is not a rate',
    hint: 'write "<requests>/<window>", e.g. "100/hour", "10/s" or "5/10s", or a bare integer of requests per minute',
  },
  '^(ip|user|api_key|route|header:.*)$': {
    rule: 'is not a rate limit key',
    hint: 'use ip, user, api_key, route or header:NAME, or a list of these',
  },
  "^(host|path|query|identity|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+|cookie:[A-Za-z0-9!#$%&'*+.^_`|~-]+|query:[^\\s&=#]+)$":
    {
      rule: 'is not a cache key part',
      hint: 'use host, path, query, identity, header:<name>, cookie:<name> or query:<name>',
    },
  '^rediss?://[^\\s]+$': {
    rule: 'is not a Redis URL',
    hint: 'write redis://host:6379, or rediss://host:6380 for TLS',
  },
  '^sha256:[0-9a-f]{64}$': {
    rule: 'is not a key hash',
    hint: 'write "sha256:" and 64 lower-case hex digits, as `gatewayd hash-key <key>` prints them',
  },
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$':
    {
      rule: 'is not a date or a date-time with a zone',
      hint: 'write "2027-01-01" (midnight UTC) or "2027-01-01T12:00:00Z"',
    },
};

const COMPARISONS: Readonly<Record<string, string>> = {
  '>=': 'at least',
  '>': 'greater than',
  '<=': 'at most',
  '<': 'less than',
};

/**
 * Turns ajv's errors into one problem per node and cause, placed at the offending node (or key),
 * in words that name the config path, what was expected and what was found.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], root: unknown): PathProblem[] {
  const seen = new Set<string>();
  const problems: PathProblem[] = [];
  for (const error of collapseAlternatives(errors)) {
    // A propertyNames failure comes twice: the inner keyword's error (which lacks the name), then this one.
    if (error.schemaPath.includes('/propertyNames/')) continue;
    // "must match the then/else schema": the error from inside that branch says what is wrong.
    if (error.keyword === 'if') continue;
    const problem = describeSchemaError(error, pointerToPath(error.instancePath, root));
    const key = `${problem.code}\u0000${problem.atKey === true}\u0000${problem.path.join('\u0000')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeSchemaError(e: ErrorObject, path: ConfigPath): PathProblem {
  const where = formatConfigPath(path);
  const description = propertyDescription(e.parentSchema);
  const error = { severity: 'error' as const, path };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys(objectAt(e.parentSchema, 'properties'));
      return {
        ...error,
        code: ConfigCode.UNKNOWN_KEY,
        message: `${where}: unknown key "${key}"`,
        hint: allowed.length > 0 ? suggestionHint(key, allowed, 'allowed keys here') : undefined,
        path: [...path, key],
        atKey: true,
      };
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      const what = propertyDescription(objectAt(objectAt(e.parentSchema, 'properties'), key));
      return {
        ...error,
        code: ConfigCode.MISSING_KEY,
        message: `${where}: missing required key "${key}"`,
        hint: what && `${key}: ${what}`,
      };
    }
    case 'type':
      return { ...error, code: ConfigCode.TYPE, ...describeTypeError(e, path, description) };
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const close = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
      const list = `allowed: ${allowed.join(', ')}`;
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: ${literal(e.data)} is not one of the allowed values`,
        hint: close !== undefined ? `did you mean "${close}"? (${list})` : list,
      };
    }
    case 'const':
      // The `false | mapping` unions: a boolean other than the one allowed.
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: ${literal(e.data)} is not allowed here, only ${literal(e.params.allowedValue)}`,
        hint: description,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bound = `${COMPARISONS[String(e.params.comparison)] ?? e.params.comparison} ${e.params.limit}`;
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: must be ${bound}, got ${literal(e.data)}`,
        hint: description,
      };
    }
    case 'minLength':
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: must not be empty`,
        hint: description,
      };
    case 'minItems': {
      const limit = Number(e.params.limit);
      const items = `${limit} item${limit === 1 ? '' : 's'}`;
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: must list at least ${items}`,
        hint: description,
      };
    }
    case 'uniqueItems': {
      const index = Number(e.params.i);
      const item = Array.isArray(e.data) ? (e.data as unknown[])[index] : undefined;
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${formatConfigPath([...path, index])}: ${literal(item)} is listed twice`,
        hint: 'remove the repeated item',
        path: [...path, index],
      };
    }
    case 'pattern': {
      const known = PATTERNS[String(e.params.pattern)];
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: ${literal(e.data)} ${known?.rule ?? `does not match the pattern ${e.params.pattern}`}`,
        hint: known?.hint ?? description,
      };
    }
    case 'propertyNames': {
      const name = String(e.params.propertyName);
      const pattern = field(field(e.parentSchema, 'propertyNames'), 'pattern');
      const known = typeof pattern === 'string' ? PATTERNS[pattern] : undefined;
      return {
        ...error,
        code: ConfigCode.VALUE,
        message: `${where}: key ${literal(name)} ${known?.rule ?? 'is not allowed here'}`,
        hint: known?.hint,
        path: [...path, name],
        atKey: true,
      };
    }
    case 'format': {
      const format = configFormats[String(e.params.format)];
      if (format === undefined) break;
      const reason = typeof e.data === 'string' ? format.reason?.(e.data) : undefined;
      return {
        ...error,
        code: format.code,
        message: `${where}: ${literal(e.data)} is not ${format.noun}${reason ? `: ${reason}` : ''}`,
        hint: format.hint,
      };
    }
  }
  return {
    ...error,
    code: ConfigCode.VALUE,
    message: `${where}: ${e.message ?? 'is not valid'}`,
    hint: description,
  };
}

/** Turns ajv's JSON pointer into a config path, with array indexes as numbers. */
export function pointerToPath(pointer: string, root: unknown): ConfigPath {
  const path: Array<string | number> = [];
  let node = root;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = field(node, key);
  }
  return path;
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  const child = field(value, key);
  return typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : {};
}

function propertyDescription(schema: unknown): string | undefined {
  const description = field(schema, 'description');
  return typeof description === 'string' ? description : undefined;
}
