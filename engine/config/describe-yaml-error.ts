import type { YAMLError } from 'yaml';

/** A YAML error in words, placed where the mistake was made rather than where yaml noticed it. */
export interface YamlErrorDescription {
  message: string;
  hint?: string;
  /** Source offset of the mistake. */
  offset: number;
}

/** A key as written at the start of `text`: plain, single- or double-quoted. */
const KEY_TOKEN = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:,{}[\]]+)/;

export function describeYamlError(error: YAMLError, text: string): YamlErrorDescription {
  const [start, end] = error.pos;
  const at = { message: error.message, offset: start };
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const key = KEY_TOKEN.exec(text.slice(start))?.[0];
      const quoted = key && (key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`);
      return {
        ...at,
        message: quoted ? `duplicate key ${quoted}` : error.message,
        hint: 'keys must be unique within a mapping; remove one or merge them',
      };
    }
    case 'TAB_AS_INDENT':
      return { ...at, hint: 'indent with spaces' };
    case 'MULTILINE_IMPLICIT_KEY':
      return multilineKey(text, start, end);
    case 'BLOCK_AS_IMPLICIT_KEY':
      return {
        ...at,
        message: 'a plain value cannot hold ": " nor end with ":"',
        hint: 'quote the value, e.g. "a: b"',
      };
    case 'BAD_INDENT':
      return badIndent(text, start, error.message);
    case 'MISSING_CHAR': {
      const quote = /^Missing closing ("|')quote/.exec(error.message)?.[1];
      if (quote !== undefined) return unclosedQuote(text, start, quote);
      return at;
    }
  }
  return at;
}

/**
 * yaml reads a line that goes on deeper than the line before as the continuation of that line's
 * value, then finds a ':' in it: the mistake is the deeper line (or a key without its ':').
 */
function multilineKey(text: string, start: number, end: number): YamlErrorDescription {
  const before = text.slice(lineStart(text, start), start);
  if (/:\s*$/.test(before) || /^\s*-\s*$/.test(before)) {
    const next = text.indexOf('\n', start);
    const offset = next === -1 || next >= end ? start : firstNonSpace(text, next + 1);
    return {
      message:
        'this line is indented deeper than the key above it, so YAML reads it as part of that value',
      hint: 'start a key of the same mapping at the same column as its siblings',
      offset,
    };
  }
  const lineEnd = text.indexOf('\n', start);
  const key = text.slice(start, lineEnd === -1 ? end : lineEnd).trim();
  return {
    message: `"${key}" has no ":" after its key`,
    hint: 'write key: value, with a space after the colon',
    offset: start,
  };
}

function badIndent(text: string, start: number, raw: string): YamlErrorDescription {
  const flow = /^Flow (sequence|map) in block collection/.exec(raw);
  if (flow !== null) {
    const [open, close] = flow[1] === 'sequence' ? ['[', ']'] : ['{', '}'];
    const offset = unclosedBracket(text, start, open, close);
    return {
      message: `this ${open} is never closed`,
      hint: `close it with ${close} before the next key`,
      offset: offset ?? start,
    };
  }
  const offset = firstNonSpace(text, start);
  if (/^All (mapping|sequence) items must start at the same column/.test(raw)) {
    return {
      message: raw,
      hint: 'indent this line like the other items of its mapping or list',
      offset,
    };
  }
  return { message: raw, offset };
}

/** Points at the opening quote of a string that runs to the end of the file. */
function unclosedQuote(text: string, start: number, quote: string): YamlErrorDescription {
  let offset = start;
  for (let i = Math.min(start, text.length - 1); i >= 0; i--) {
    if (text[i] === quote && (i === 0 || /[\s:[{,-]/.test(text[i - 1] as string))) {
      offset = i;
      break;
    }
  }
  return {
    message: `this ${quote === '"' ? 'double' : 'single'}-quoted string is never closed`,
    hint: `end it with ${quote} on the same line`,
    offset,
  };
}

/** The last `open` before `from` that no `close` follows up to `from`. */
function unclosedBracket(
  text: string,
  from: number,
  open: string,
  close: string,
): number | undefined {
  let depth = 0;
  for (let i = from - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function firstNonSpace(text: string, offset: number): number {
  let i = offset;
  while (text[i] === ' ') i++;
  return i;
}
