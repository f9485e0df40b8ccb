import { parse } from 'yaml';
import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from './config-problem.js';
import { didYouMean } from './did-you-mean.js';
import { formatConfigPath } from './format-config-path.js';
import { schemaDocument } from './validate-schema.js';

/** Every variable starting with this names a config key. */
export const ENV_PREFIX = 'GATEWAY_';

/** One config value set from the environment. */
export interface EnvOverride {
  variable: string;
  path: readonly string[];
  /** As YAML would read the text, or the text itself for a key that takes only strings. */
  value: unknown;
}

interface Key {
  path: string[];
  /** The path's words, in order: `server.http_port` is [server, http, port]. */
  words: string[];
  onlyString: boolean;
}

/** The other names of resolve-aliases.ts: each is reached by its engine key's name instead. */
const ALIAS_SECTIONS = new Set(['websocket.security']);

let keys: Key[] | undefined;

/**
 * Reads the `GATEWAY_*` variables. The rule: the words after the prefix are words of the key's
 * path, in order, the last one the key's own last word; words of the path may be left out, and
 * a word may be shortened to its start. The key that leaves out the fewest words wins, then the
 * one with the fewest shortened; a tie, or no key at all, is an error.
 * GATEWAY_SERVER_HTTP_PORT is server.http_port, GATEWAY_WEBSOCKET_MAX_CONNECTIONS
 * websocket.server.max_connections, GATEWAY_LOG_LEVEL observability.logging.level.
 * A variable the file itself reads as `${NAME}` is one of its inputs, not an override.
 */
export function readEnvOverrides(
  env: NodeJS.ProcessEnv,
  referenced: ReadonlySet<string> = new Set(),
): {
  overrides: EnvOverride[];
  problems: PathProblem[];
} {
  const overrides: EnvOverride[] = [];
  const problems: PathProblem[] = [];
  const variables = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name.length > ENV_PREFIX.length)
    .filter((name) => !referenced.has(name))
    .sort();
  for (const variable of variables) {
    const text = env[variable] as string;
    const found = keyFor(variable);
    if ('problem' in found) {
      problems.push(refused(variable, found.problem, found.hint));
      continue;
    }
    overrides.push({ variable, path: found.key.path, value: valueOf(text, found.key) });
  }
  return { overrides, problems };
}

/** Sets each override in the parsed document, before it is validated. */
export function applyEnvOverrides(data: unknown, overrides: readonly EnvOverride[]): void {
  if (!isMapping(data)) return;
  for (const { path, value } of overrides) {
    let at: Record<string, unknown> = data;
    for (const segment of path.slice(0, -1)) {
      const next = at[segment] ?? (at[segment] = {});
      // A section written as something else is the schema's to report.
      if (!isMapping(next)) return;
      at = next;
    }
    at[path.at(-1) as string] = value;
  }
}

/** `server.http_port = 8080 (from GATEWAY_SERVER_HTTP_PORT)`, a secret's value left out. */
export function describeOverride(o: EnvOverride): string {
  const secret = /secret|token|password|hash|url|key$/.test(o.path.at(-1) as string);
  const shown = secret ? '(value not shown)' : JSON.stringify(o.value);
  return `${formatConfigPath(o.path)} = ${shown} (from ${o.variable})`;
}

function keyFor(variable: string): { key: Key } | { problem: string; hint?: string } {
  const wanted = variable.slice(ENV_PREFIX.length).toLowerCase().split('_');
  const all = (keys ??= collectKeys());
  let best: Array<{ key: Key; shortened: number }> = [];
  let bestSkipped = Infinity;
  let bestShortened = Infinity;
  for (const key of all) {
    const shortened = matchWords(wanted, key.words);
    if (shortened === null) continue;
    const skipped = key.words.length - wanted.length;
    if (skipped < bestSkipped || (skipped === bestSkipped && shortened < bestShortened)) {
      best = [{ key, shortened }];
      bestSkipped = skipped;
      bestShortened = shortened;
    } else if (skipped === bestSkipped && shortened === bestShortened) {
      best.push({ key, shortened });
    }
  }
  if (best.length === 1) return { key: (best[0] as { key: Key }).key };
  if (best.length > 1) {
    const names = best.map((b) => formatConfigPath(b.key.path)).join(', ');
    return {
      problem: `names several config keys equally well: ${names}`,
      hint: 'name more of the path',
    };
  }
  const full = all.map((k) => ENV_PREFIX + k.words.join('_').toUpperCase());
  const close = didYouMean(variable, full);
  return {
    problem: 'names no config key',
    hint: close
      ? `did you mean ${close}?`
      : 'GATEWAY_ and the words of the key path, as in GATEWAY_SERVER_HTTP_PORT; unset it if it is not meant for gatewayd',
  };
}

/**
 * How many words were shortened when `wanted` matches `words` (in order, the last ones equal);
 * null when it does not. The fewest shortened over every way to match.
 */
function matchWords(wanted: readonly string[], words: readonly string[]): number | null {
  const last = wanted.length - 1;
  if (wanted.length > words.length || wanted[last] !== words[words.length - 1]) return null;
  const best = (i: number, j: number): number | null => {
    if (i === last) return 0;
    let least: number | null = null;
    for (let k = j; k < words.length - 1 - (last - 1 - i); k++) {
      const w = words[k] as string;
      const want = wanted[i] as string;
      if (w !== want && !w.startsWith(want)) continue;
      const rest = best(i + 1, k + 1);
      if (rest === null) continue;
      const cost = rest + (w === want ? 0 : 1);
      if (least === null || cost < least) least = cost;
    }
    return least;
  };
  return best(0, 0);
}

function valueOf(text: string, key: Key): unknown {
  if (key.onlyString) return text;
  try {
    const parsed: unknown = parse(text);
    return parsed === null || typeof parsed === 'object' ? text : parsed;
  } catch {
    return text;
  }
}

function refused(variable: string, what: string, hint?: string): PathProblem {
  return {
    severity: 'error',
    code: ConfigCode.ENV_OVERRIDE,
    message: `environment variable ${variable} ${what}`,
    hint,
    path: [],
  };
}

type SchemaNode = Record<string, unknown>;

/** The schema's keys that take one scalar value (no lists, no maps of names). */
function collectKeys(): Key[] {
  const root = schemaDocument() as SchemaNode;
  const found: Key[] = [];
  const visit = (node: SchemaNode, path: string[]): void => {
    const resolved = resolve(root, node);
    const properties = resolved.properties as Record<string, SchemaNode> | undefined;
    if (properties !== undefined) {
      if (ALIAS_SECTIONS.has(path.join('.'))) return;
      for (const [name, child] of Object.entries(properties)) visit(child, [...path, name]);
      return;
    }
    const types = scalarTypes(resolved);
    if (types === null || path.length === 0) return;
    found.push({
      path,
      words: path.flatMap((segment) => segment.toLowerCase().split(/[_-]/)),
      onlyString: types.every((t) => t === 'string'),
    });
  };
  visit(root, []);
  return found;
}

function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
  const defs = root.$defs as Record<string, SchemaNode>;
  const target = defs[ref.slice('#/$defs/'.length)];
  return target === undefined ? node : { ...resolve(root, target), ...node, $ref: undefined };
}

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

/** The JSON types a scalar key takes; null for anything else. */
function scalarTypes(node: SchemaNode): string[] | null {
  const type = node.type;
  if (Array.isArray(node.enum)) {
    return [...new Set(node.enum.map((v) => (typeof v === 'string' ? 'string' : 'other')))];
  }
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? (type as string[]) : [];
  return types.length > 0 && types.every((t) => SCALARS.has(t)) ? types : null;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The variables a config text reads as `${NAME}` or `${NAME:-default}`. */
export function referencedVariables(text: string): Set<string> {
  return new Set(Array.from(text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1] as string));
}
