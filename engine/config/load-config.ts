import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigCode } from '../errors/config-codes.js';
import { checkSemantics } from './check-semantics.js';
import type { ConfigPath, ConfigProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';
import { interpolateEnv } from './interpolate-env.js';
import { createLocator, type Locator } from './locate.js';
import { parseYaml } from './parse-yaml.js';
import { validateSchema } from './validate-schema.js';

export type { Locator } from './locate.js';

export type LoadResult =
  | {
      ok: true;
      config: GatewayConfig;
      /** Warnings only, sorted by position. */
      warnings: ConfigProblem[];
      /** sha256 (hex) of the file text after ${VAR} interpolation. */
      hash: string;
      file: string;
      locate: Locator;
    }
  | {
      ok: false;
      /** Errors and warnings, sorted by position. */
      problems: ConfigProblem[];
      file: string;
      /** Present when the file was read (the compiler places its own problems with it). */
      locate?: Locator;
    };

export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const message = `cannot read the config file: ${(err as Error).message}`;
    const problem = {
      severity: 'error',
      code: ConfigCode.READ,
      message,
      path: [],
      file,
      line: 1,
      column: 1,
    } as const;
    return { ok: false, problems: [problem], file };
  }
  return loadConfigText(text, file, env);
}

/**
 * Parses, interpolates, validates and checks a config, reporting every problem found at once:
 * YAML errors stop there; environment and schema problems are reported together; the semantic
 * checks (undefined upstreams, unimplemented features, ...) run on a config the schema accepted.
 */
export function loadConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): LoadResult {
  const { doc, lineCounter, problems: yamlProblems } = parseYaml(text, file);
  const locate = createLocator(doc, lineCounter, file);
  if (yamlProblems.length > 0)
    return { ok: false, problems: sortProblems(yamlProblems), file, locate };

  const interpolation = interpolateEnv(doc, text, env);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // Thrown for alias bombs (yaml's maxAliasCount); nothing else in toJS throws on a parsed document.
    const message = `cannot read the document: ${(err as Error).message}`;
    const problem = { severity: 'error', code: ConfigCode.YAML, message, path: [] } as const;
    return { ok: false, problems: [locate(problem)], file, locate };
  }
  // A value whose variable is unset still holds "${VAR}": its schema problems would only be noise.
  const unresolved = interpolation.problems.map((p) => p.path);
  const schemaProblems = validateSchema(data).filter(
    (p) => !unresolved.some((path) => isWithin(p.path, path)),
  );
  const errors = [...interpolation.problems, ...schemaProblems];
  const config = data as GatewayConfig;
  const problems = sortProblems((errors.length > 0 ? errors : checkSemantics(config)).map(locate));
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems, file, locate };
  const hash = createHash('sha256').update(interpolation.text).digest('hex');
  return { ok: true, config, warnings: problems, hash, file, locate };
}

function isWithin(path: ConfigPath, ancestor: ConfigPath): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, i) => path[i] === segment);
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort(
    (a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}
