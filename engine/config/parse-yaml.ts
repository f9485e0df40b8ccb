import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigProblem } from './config-problem.js';

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Syntax errors, duplicate keys and unresolved tags, each at the position yaml reports. */
  problems: ConfigProblem[];
}

/** A key as written at the start of `text`: plain, single- or double-quoted. */
const KEY_TOKEN = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:,{}[\]]+)/;

/** Parses one YAML document, keeping positions; duplicate keys are errors. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors off: yaml would append a source excerpt to each message; we print file:line:col.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  // Warnings are errors here (an unresolved tag, say): a config that does not read as written should not load.
  const problems = [...doc.errors, ...doc.warnings].map((error): ConfigProblem => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return {
      severity: 'error',
      code: ConfigCode.YAML,
      ...describeYamlError(error, text),
      path: [],
      file,
      line,
      column: col,
    };
  });
  return { doc, lineCounter, problems };
}

function describeYamlError(error: YAMLError, text: string): { message: string; hint?: string } {
  if (error.code === 'DUPLICATE_KEY') {
    const key = KEY_TOKEN.exec(text.slice(error.pos[0]))?.[0];
    const quoted = key && (key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`);
    return {
      message: quoted ? `duplicate key ${quoted}` : error.message,
      hint: 'keys must be unique within a mapping; remove one or merge them',
    };
  }
  if (error.code === 'TAB_AS_INDENT') return { message: error.message, hint: 'indent with spaces' };
  return { message: error.message };
}
