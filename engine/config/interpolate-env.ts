import { isMap, isScalar, isSeq, type Document, type Scalar } from 'yaml';
import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import { formatConfigPath } from './format-config-path.js';
import { keyText } from './locate.js';

/** `$${` (an escaped, literal `${`) or a reference `${...}`, possibly missing its closing brace. */
const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;

export interface Interpolation {
  problems: PathProblem[];
  /** The source text with every reference replaced, as the config's hash covers it. */
  text: string;
}

interface Substitution {
  value: string;
  unset: string[];
  malformed: string[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in the document's scalar values (not keys, not comments).
 * A plain scalar that was one whole reference is re-read as YAML would read the text, so
 * `http_port: ${PORT:-8080}` is the integer 8080; quoted scalars stay strings.
 */
export function interpolateEnv(doc: Document, text: string, env: NodeJS.ProcessEnv): Interpolation {
  const problems: PathProblem[] = [];
  const edits: Array<{ start: number; end: number; replacement: string }> = [];
  walkScalars(doc.contents, [], (scalar, path) => {
    if (typeof scalar.value !== 'string' || !scalar.value.includes('${')) return;
    const original = scalar.value;
    const { value, unset, malformed } = substitute(original, env);
    if (malformed.length > 0) problems.push(malformedProblem(path, malformed));
    if (unset.length > 0) problems.push(unsetProblem(path, unset));
    if (malformed.length > 0 || unset.length > 0) return;
    const reResolve = scalar.type === 'PLAIN' && !scalar.tag && WHOLE_REFERENCE.test(original);
    scalar.value = reResolve ? resolvePlain(doc, value) : value;
    if (scalar.range) {
      const [start, end] = scalar.range;
      edits.push({ start, end, replacement: substitute(text.slice(start, end), env).value });
    }
  });
  return { problems, text: applyEdits(text, edits) };
}

function substitute(s: string, env: NodeJS.ProcessEnv): Substitution {
  const unset: string[] = [];
  const malformed: string[] = [];
  const value = s.replace(
    REFERENCE,
    (match: string, inner: string | undefined, close: string | undefined) => {
      if (match === '$${') return '${';
      const parsed = close && inner !== undefined ? VARIABLE.exec(inner) : null;
      const name = parsed?.[1];
      if (!parsed || name === undefined) {
        malformed.push(match);
        return match;
      }
      const current = env[name];
      const fallback = parsed[2];
      // Like the shell, `:-` also replaces a variable that is set but empty.
      if (fallback !== undefined) return current ? current : fallback;
      if (current === undefined) unset.push(name);
      return current ?? match;
    },
  );
  return { value, unset, malformed };
}

/** The value YAML gives `text` written as a plain scalar: 8080 → number, true → boolean, ~ → null. */
function resolvePlain(doc: Document, text: string): unknown {
  for (const tag of doc.schema.tags) {
    if (tag.collection === undefined && tag.default === true && tag.test?.test(text)) {
      // Some tags (bool) resolve to a Scalar node rather than a value.
      const resolved = tag.resolve(text, () => undefined, {});
      return isScalar(resolved) ? resolved.value : resolved;
    }
  }
  return text;
}

function unsetProblem(path: ConfigPath, names: string[]): PathProblem {
  const list = [...new Set(names)];
  const first = list[0] ?? '';
  return {
    severity: 'error',
    code: ConfigCode.ENV_UNSET,
    message:
      list.length === 1
        ? `${formatConfigPath(path)}: environment variable ${first} is not set`
        : `${formatConfigPath(path)}: environment variables ${list.join(', ')} are not set`,
    hint: `set ${list.length === 1 ? 'it' : 'them'} in the environment, or give a default: \${${first}:-value}`,
    path,
  };
}

function malformedProblem(path: ConfigPath, references: string[]): PathProblem {
  return {
    severity: 'error',
    code: ConfigCode.ENV_SYNTAX,
    message: `${formatConfigPath(path)}: ${references.map((r) => `"${r}"`).join(', ')} is not a valid environment reference`,
    hint: 'write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _; write $${ for a literal ${',
    path,
  };
}

function walkScalars(
  node: unknown,
  path: Array<string | number>,
  visit: (scalar: Scalar, path: ConfigPath) => void,
): void {
  if (isScalar(node)) visit(node, path);
  else if (isMap(node)) {
    for (const pair of node.items) walkScalars(pair.value, [...path, keyText(pair.key)], visit);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walkScalars(item, [...path, i], visit));
  }
}

function applyEdits(
  text: string,
  edits: Array<{ start: number; end: number; replacement: string }>,
): string {
  let out = '';
  let at = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    out += text.slice(at, edit.start) + edit.replacement;
    at = edit.end;
  }
  return out + text.slice(at);
}
