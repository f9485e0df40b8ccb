import { print } from './print.js';
import { formatProblem } from '../config/config-problem.js';
import { describeOverride, readEnvOverrides } from '../config/env-overrides.js';
import { compileFileOffline } from '../runtime/offline-build.js';

/** `gatewayd check FILE...`: exit 0 when every file is valid (warnings allowed), else 1. */
export async function checkCommand(files: string[]): Promise<void> {
  let invalid = 0;
  const { overrides } = readEnvOverrides(process.env);
  for (const file of files) {
    const result = await compileFileOffline(file);
    for (const o of overrides) print(`${file}: ${describeOverride(o)}`);
    const problems = result.ok ? result.warnings : result.problems;
    for (const p of problems) print(formatProblem(p));
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    if (result.ok)
      print(`${file}: OK${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`);
    else {
      invalid++;
      print(
        `${file}: INVALID (${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''})`,
      );
    }
  }
  process.exitCode = invalid > 0 ? 1 : 0;
}
