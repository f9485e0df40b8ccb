import { print } from './print.js';
import { formatProblem } from '../config/config-problem.js';
import { compileFileOffline } from './compile-file.js';

/** `gatewayd routes FILE`: the compiled table, in the order requests are matched. */
export async function routesCommand(file: string): Promise<void> {
  const result = await compileFileOffline(file);
  if (!result.ok) {
    for (const p of result.problems) console.error(formatProblem(p));
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
}
