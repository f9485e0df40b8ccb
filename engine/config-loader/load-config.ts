import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigCode } from '../errors/config-codes.js';
import { checkSemantics } from './check-semantics.js';
import {
  loadOpenApiDocuments,
  type OpenApiDocuments,
} from '../filters/openapi-validation/openapi-documents.js';
import {
  sortProblems,
  type ConfigPath,
  type ConfigProblem,
  type PathProblem,
} from '../config/config-problem.js';
import { describeSchemaErrors } from '../config/describe-schema-error.js';
import { DraftPaths, isWithin } from '../config/draft-paths.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import {
  applyEnvOverrides,
  readEnvOverrides,
  referencedVariables,
} from '../config/env-overrides.js';
import { interpolateEnv } from '../config/interpolate-env.js';
import { createLocator, type Locator } from '../config/locate.js';
import { parseYaml } from '../config/parse-yaml.js';
import { repairConfig, type Draft } from '../config/repair-config.js';
import { resolveAliases } from '../config/resolve-aliases.js';
import { schemaDocument, schemaErrors } from '../config/validate-schema.js';

export type { Locator } from '../config/locate.js';

/**
 * What the compiler gets of a config that failed to load, to report its problems too: the
 * config with wrong values replaced by placeholders and the routes that have errors left out.
 */
export interface ConfigDraft {
  config: GatewayConfig;
  /** Places a problem found in the draft in the file, or drops it: it is about a placeholder. */
  place(p: PathProblem): ConfigProblem | undefined;
}

export type LoadFailure = {
  ok: false;
  /** Errors and warnings, sorted by position. */
  problems: ConfigProblem[];
  file: string;
  /** Present when the file was read (the compiler places its own problems with it). */
  locate?: Locator;
  /** Present when the config could be mended far enough for the compiler to look at it. */
  draft?: ConfigDraft;
  /** The OpenAPI documents the config names, read or not: fixing one reloads. */
  openApiFiles?: string[];
};

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
      /** The OpenAPI documents of `openapi_documents`, compiled; null without any. */
      openApi: OpenApiDocuments | null;
      /** Their files, watched like the config file (absent on a table rebuilt from a build). */
      openApiFiles?: string[];
    }
  | LoadFailure;

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
 * Parses, interpolates, validates and checks a config, reporting every problem at once: a YAML
 * error stops there; otherwise environment, schema and semantic problems come together. An unset
 * variable or a value the schema refuses becomes a placeholder of the right type in a draft, so
 * the semantic checks still run on the rest; what they find about a placeholder is not reported
 * (the variable or the value is, once).
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
  const fromEnv = readEnvOverrides(env, referencedVariables(text));
  applyEnvOverrides(data, fromEnv.overrides);
  // A value whose variable is unset still holds "${VAR}": the variable is the problem, not the value.
  const unresolved = interpolation.problems.map((p) => p.path);
  const errors = schemaErrors(data);
  const schemaProblems = describeSchemaErrors(errors, data)
    .filter((p) => !unresolved.some((path) => isWithin(p.path, path)))
    .map((p) => {
      const from = fromEnv.overrides.find((o) => isWithin(p.path, o.path));
      return from === undefined ? p : { ...p, message: `${p.message} (set by ${from.variable})` };
    });
  const draft: Draft | undefined =
    interpolation.problems.length + errors.length === 0
      ? { data, paths: new DraftPaths() }
      : repairConfig(data, unresolved, schemaErrors, schemaDocument());
  const aliases = draft === undefined ? [] : resolveAliases(draft.data as GatewayConfig);
  const openApi =
    draft === undefined
      ? undefined
      : loadOpenApiDocuments(draft.data as GatewayConfig, file, (path) =>
          draft.paths.isCovered(draft.paths.toOriginal(path)),
        );
  const semantic =
    draft === undefined
      ? []
      : [...checkSemantics(draft.data as GatewayConfig), ...(openApi?.problems ?? [])];
  const problems = sortProblems([
    ...[
      ...interpolation.problems,
      ...fromEnv.problems,
      ...schemaProblems,
      ...aliases,
      ...(draft === undefined ? [] : reportable(semantic, draft.paths)),
    ].map(locate),
    // Problems inside an OpenAPI document are placed in that document.
    ...(openApi?.placed ?? []),
  ]);
  const openApiFiles = openApi?.files ?? [];
  if (problems.some((p) => p.severity === 'error')) {
    return {
      ok: false,
      problems,
      file,
      locate,
      draft: draft && compilerDraft(draft, semantic, locate),
      openApiFiles,
    };
  }
  const hash = createHash('sha256').update(interpolation.text);
  // Values from the environment are part of the config: another value is another config.
  if (fromEnv.overrides.length > 0) hash.update(JSON.stringify(fromEnv.overrides));
  // So are the documents routes validate against: an edited document reloads an unchanged file.
  if (openApi !== undefined && openApi.hash !== '') hash.update(openApi.hash);
  return {
    ok: true,
    config: data as GatewayConfig,
    warnings: problems,
    hash: hash.digest('hex'),
    file,
    locate,
    openApi: openApiFiles.length === 0 ? null : (openApi?.documents ?? null),
    openApiFiles,
  };
}

/** Problems of a draft in the file's coordinates, less those about its placeholders. */
function reportable(problems: readonly PathProblem[], paths: DraftPaths): PathProblem[] {
  return problems
    .map((p) => ({ ...p, path: paths.toOriginal(p.path) }))
    .filter((p) => !paths.isCovered(p.path));
}

/**
 * The draft with each route the semantic checks found an error in replaced by a stand-in that
 * compiles and matches nothing else: indexes stay those of the file, as messages quote them.
 */
function compilerDraft(
  draft: Draft,
  semantic: readonly PathProblem[],
  locate: Locator,
): ConfigDraft {
  const config = structuredClone(draft.data) as GatewayConfig;
  for (const p of semantic) {
    const index = p.path[1];
    if (p.severity !== 'error' || p.path[0] !== 'routes' || typeof index !== 'number') continue;
    config.routes[index] = {
      path: `/gatewayd-check-stand-in/${index}`,
      direct_response: { status: 204 },
    };
    draft.paths.cover(['routes', index]);
  }
  return {
    config,
    place(p) {
      const path: ConfigPath = draft.paths.toOriginal(p.path);
      return draft.paths.isCovered(path) ? undefined : locate({ ...p, path });
    },
  };
}
