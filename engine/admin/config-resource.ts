import { resolve } from 'node:path';
import { formatProblem, type ConfigProblem } from '../config/config-problem.js';
import { formatConfigPath } from '../config/format-config-path.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isoTime, readText, type AdminRequest, type AdminResource } from './admin-http.js';
import { envValueRedactor } from './redact-env-values.js';

/** A whole config file, posted to be checked. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The name posted configs have in problems: `posted.yaml:12:5: GW_ERR_CONFIG_…`. */
const POSTED_NAME = 'posted.yaml';

/**
 * The config in force and changing it:
 *
 *   GET  /admin/config   generation, hash, file, load time, warnings, the last reload's result
 *   POST /admin/reload   reloads the file now; 200 with the outcome, 422 with the problems
 *   POST /admin/check    body: YAML; checked as `gatewayd check` does, nothing applied
 */
export const configResource: AdminResource = [
  ['GET', '/admin/config', showConfig],
  ['POST', '/admin/reload', reload],
  ['POST', '/admin/check', check],
];

async function showConfig({ ctx }: AdminRequest) {
  const s = ctx.status;
  const table = ctx.table();
  const last = s.lastReload;
  return {
    status: 200,
    body: {
      file: resolve(s.file),
      generation: s.generation,
      hash: s.hash,
      loaded_at: isoTime(s.loadedAt),
      installed_at: isoTime(s.installedAt),
      warnings: s.warnings,
      runtime_routes: {
        store: ctx.runtimeRoutes.store.kind,
        stored: ctx.runtimeRoutes.routes.length,
        active: table.routes.filter((r) => r.origin === 'runtime').length,
        inactive: table.inactiveRuntimeRoutes.length,
      },
      last_reload:
        last === null
          ? null
          : {
              at: isoTime(last.at),
              reason: last.reason,
              ok: last.ok,
              changed: last.changed,
              generation: last.generation,
              problems: last.problems,
            },
    },
  };
}

async function reload({ ctx }: AdminRequest) {
  const result = await ctx.reload();
  if (!result.ok) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `the config was not reloaded; generation ${result.generation} keeps serving`,
      [],
      result.problems,
    );
  }
  return {
    status: 200,
    body: {
      ok: true,
      changed: result.changed,
      generation: result.generation,
      hash: ctx.status.hash,
      problems: result.problems,
    },
  };
}

async function check({ req, ctx }: AdminRequest) {
  const text = await readText(req, MAX_CONFIG_BYTES);
  const built = await ctx.checkConfigText(text, POSTED_NAME);
  const redact = envValueRedactor(text, process.env);
  const problems = (built.ok ? built.warnings : built.problems).map((p) => problemView(p, redact));
  if (!built.ok) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    throw new GatewayError(
      'CONFIG_INVALID',
      `the config is not valid (${errors} error${errors === 1 ? '' : 's'})`,
      [],
      problems,
    );
  }
  return { status: 200, body: { valid: true, routes: built.table.routes.length, problems } };
}

function problemView(p: ConfigProblem, redact: (s: string) => string) {
  return {
    severity: p.severity,
    code: p.code,
    message: redact(p.message),
    hint: p.hint === undefined ? null : redact(p.hint),
    line: p.line,
    column: p.column,
    path: formatConfigPath(p.path),
    text: redact(formatProblem(p)),
  };
}
