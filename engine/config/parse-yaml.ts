import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigProblem } from './config-problem.js';
import { describeYamlError } from './describe-yaml-error.js';

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Syntax errors, duplicate keys and unresolved tags, each at the position yaml reports. */
  problems: ConfigProblem[];
}

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
  const problems: ConfigProblem[] = [];
  const errors = [...doc.errors, ...doc.warnings];
  for (const error of errors) {
    // A deeper line after `key: value` comes as both; the line-by-line one names the mistake.
    if (
      error.code === 'BLOCK_AS_IMPLICIT_KEY' &&
      errors.some((e) => e.code === 'MULTILINE_IMPLICIT_KEY' && e.pos[0] === error.pos[0])
    )
      continue;
    const { offset, ...description } = describeYamlError(error, text);
    const { line, col } = lineCounter.linePos(offset);
    // yaml often reports one mistake twice (its key, then its value): one problem per line.
    if (problems.some((p) => p.line === line)) continue;
    problems.push({
      severity: 'error',
      code: ConfigCode.YAML,
      ...description,
      path: [],
      file,
      line,
      column: col,
    });
  }
  return { doc, lineCounter, problems };
}
