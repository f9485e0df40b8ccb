/** A path into the config document, as keys and array indexes: ['routes', 3, 'upstream']. */
export type ConfigPath = ReadonlyArray<string | number>;

export type ProblemSeverity = 'error' | 'warning';

/** A problem found before the file's position is known (by the compiler, for example). */
export interface PathProblem {
  severity: ProblemSeverity;
  /** A GW_ERR_CONFIG_* or GW_WARN_CONFIG_* code from engine/errors/config-codes.ts. */
  code: string;
  message: string;
  hint?: string;
  path: ConfigPath;
  /** Point at the key itself rather than its value (unknown keys, for example). */
  atKey?: boolean;
}

/** A problem placed in the file: what `gatewayd check` prints as file:line:col: CODE message. */
export interface ConfigProblem extends PathProblem {
  file: string;
  line: number;
  column: number;
}

export function formatProblem(p: ConfigProblem): string {
  const head = `${p.file}:${p.line}:${p.column}: ${p.severity === 'warning' ? 'warning ' : ''}${p.code} ${p.message}`;
  return p.hint ? `${head}\n    hint: ${p.hint}` : head;
}

/** In file order; at one position, by code. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort(
    (a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}
