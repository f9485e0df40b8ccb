import { print, printError } from './print.js';
import { formatProblem } from '../config/config-problem.js';
import { describeOverride, readEnvOverrides } from '../config/env-overrides.js';
import { compileFileOffline } from '../runtime/offline-build.js';
import { explainRequest, parseExplainRequest } from './explain-request.js';

interface RoutesOptions {
  /** "GET https://host/path": explain how this request is routed instead of listing. */
  explain?: string;
  /** "name: value" request headers for --explain. */
  header: string[];
}

/** Exit codes of --explain: a route matches (0), the config is invalid (1), usage (2), none (3). */
const NO_MATCH = 3;

/**
 * `gatewayd routes FILE`: the compiled table, in the order requests are matched.
 * `gatewayd routes FILE --explain "GET https://host/path"`: how one request is routed.
 */
export async function routesCommand(file: string, opts: RoutesOptions): Promise<void> {
  if (opts.explain !== undefined) {
    await explainCommand(file, opts.explain, opts.header);
    return;
  }
  const result = await compileFileOffline(file);
  if (!result.ok) {
    for (const p of result.problems) printError(formatProblem(p));
    process.exitCode = 1;
    return;
  }
  const rows = result.table.routes.map((r) => [
    r.methods?.join(',') ?? 'ANY',
    r.host ?? '*',
    r.path,
    r.target,
    r.filters.join(' → ') || '-',
  ]);
  const header = ['METHODS', 'HOST', 'PATH', 'TARGET', 'FILTERS'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] as string).length)),
  );
  for (const row of [header, ...rows]) {
    print(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number)))
        .join('  '),
    );
  }
  const { overrides } = readEnvOverrides(process.env);
  if (overrides.length > 0) print('');
  for (const o of overrides) print(describeOverride(o));
}

async function explainCommand(file: string, line: string, headers: string[]): Promise<void> {
  const request = parseExplainRequest(line, headers);
  if (typeof request === 'string') {
    printError(`gatewayd: ${request}`);
    process.exitCode = 2;
    return;
  }
  const explained = await explainRequest(file, request);
  if (explained.kind === 'invalid') {
    for (const p of explained.problems) printError(formatProblem(p));
    process.exitCode = 1;
    return;
  }
  for (const l of explained.lines) print(l);
  process.exitCode = explained.matched ? 0 : NO_MATCH;
}
