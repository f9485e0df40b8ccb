import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../../config/config-defaults.js';
import { duration } from '../../config/units.js';
import { ConfigCode } from '../../errors/config-codes.js';
import type { PluginPhase } from './plugin-api.js';
import type { PluginModule, PluginModules } from './plugin-modules.js';

/** A plugin entry of the config, loaded and checked: what instances are created from. */
export interface ResolvedPlugin {
  /** The name routes use. */
  readonly name: string;
  readonly module: PluginModule;
  readonly phase: PluginPhase;
  readonly timeoutMs: number;
  /** The checked config of each instance, by configKey: the top-level one and each route's override. */
  readonly configs: ReadonlyMap<string, unknown>;
  /** Where the entry is, for problems found when creating its instances. */
  readonly path: readonly (string | number)[];
}

export interface ResolvedPlugins {
  readonly plugins: ReadonlyMap<string, ResolvedPlugin>;
  /** Changes when a plugin module changes, so that a reload of an unchanged YAML still swaps. */
  readonly versionKey: string;
}

/** The key of the top-level config's instance. */
export const TOP_LEVEL = '';

/** The instance a route's use of a plugin asks for: the top level's, or that of its override. */
export function configKeyOf(use: string | { name: string; config?: object }): string {
  return typeof use === 'string' || use.config === undefined
    ? TOP_LEVEL
    : canonicalJson(use.config);
}

export function pluginNameOf(use: string | { name: string }): string {
  return typeof use === 'string' ? use : use.name;
}

const require = createRequire(import.meta.url);

/**
 * Loads every module of the config's `plugins` list and checks the config of each entry and each
 * route's override against the plugin's schema. Problems carry config paths (the YAML line and
 * column follow from them); a config without `plugins` costs nothing.
 */
export async function resolvePlugins(
  config: GatewayConfig,
  configFile: string,
  modules: PluginModules,
): Promise<{ problems: PathProblem[]; resolved: ResolvedPlugins }> {
  const problems: PathProblem[] = [];
  const plugins = new Map<string, ResolvedPlugin>();
  const entries = config.plugins ?? [];
  if (entries.length === 0 && !config.routes.some((rc) => rc.plugins !== undefined)) {
    return { problems, resolved: { plugins, versionKey: '' } };
  }
  const ajv = createAjv();
  const versions = createHash('sha256');
  for (const [index, entry] of entries.entries()) {
    const path = ['plugins', index];
    if (plugins.has(entry.name)) {
      problems.push(
        error(ConfigCode.PLUGIN, `a plugin named "${entry.name}" is listed twice`, [
          ...path,
          'name',
        ]),
      );
      continue;
    }
    const loaded = await modules.load(entry.module, dirname(configFile));
    if (!loaded.ok) {
      problems.push(error(ConfigCode.PLUGIN_LOAD, loaded.message, [...path, 'module']));
      continue;
    }
    versions.update(`${entry.name} ${loaded.module.file} ${loaded.module.version}\n`);
    let validate: ValidateFunction | null = null;
    const schema = loaded.module.plugin.configSchema;
    if (schema !== undefined) {
      try {
        validate = ajv.compile(schema);
      } catch (err) {
        const message = `plugin "${entry.name}" declares a schema ajv cannot compile: ${(err as Error).message}`;
        problems.push(error(ConfigCode.PLUGIN_LOAD, message, [...path, 'module']));
        continue;
      }
    }
    const configs = new Map<string, unknown>();
    const top = check(entry.name, validate, entry.config, [...path, 'config'], path, problems);
    if (top !== undefined) configs.set(TOP_LEVEL, top);
    plugins.set(entry.name, {
      name: entry.name,
      module: loaded.module,
      phase: loaded.module.plugin.phase ?? 'after_auth',
      timeoutMs: duration(entry.timeout, CONFIG_DEFAULTS.plugins.timeout),
      configs,
      path,
    });
    for (const [r, rc] of config.routes.entries())
      checkOverrides(rc, r, entry.name, validate, configs, problems);
  }
  for (const [r, rc] of config.routes.entries()) {
    for (const [u, use] of (rc.plugins ?? []).entries()) {
      const name = pluginNameOf(use);
      if (entries.some((e) => e.name === name)) continue;
      const at = ['routes', r, 'plugins', u, ...(typeof use === 'string' ? [] : ['name'])];
      const known = entries.map((e) => e.name);
      const hint =
        known.length === 0
          ? 'declare it in the top-level plugins list'
          : `known plugins: ${known.join(', ')}`;
      problems.push({
        ...error(
          ConfigCode.UNDEFINED_PLUGIN,
          `no plugin named "${name}" in the top-level plugins list`,
          at,
        ),
        hint,
      });
    }
  }
  return { problems, resolved: { plugins, versionKey: versions.digest('hex') } };
}

function checkOverrides(
  rc: RouteConfig,
  routeIndex: number,
  name: string,
  validate: ValidateFunction | null,
  configs: Map<string, unknown>,
  problems: PathProblem[],
): void {
  for (const [u, use] of (rc.plugins ?? []).entries()) {
    if (typeof use === 'string' || use.name !== name || use.config === undefined) continue;
    const path = ['routes', routeIndex, 'plugins', u, 'config'];
    const checked = check(name, validate, use.config, path, path, problems);
    if (checked !== undefined) configs.set(configKeyOf(use), checked);
  }
}

/** The config with the schema's defaults filled in, or undefined after reporting its problems. */
function check(
  name: string,
  validate: ValidateFunction | null,
  given: object | undefined,
  path: readonly (string | number)[],
  /** Where a missing config is reported. */
  owner: readonly (string | number)[],
  problems: PathProblem[],
): unknown {
  const config: unknown = structuredClone(given ?? {});
  if (validate === null || validate(config)) return config;
  for (const e of validate.errors ?? []) {
    const at = given === undefined ? [...owner] : [...path, ...pointerSegments(e.instancePath)];
    problems.push(
      error(ConfigCode.PLUGIN_CONFIG, `plugin "${name}": ${describe(e, given === undefined)}`, at),
    );
  }
  return undefined;
}

function describe(e: ErrorObject, missing: boolean): string {
  const where =
    e.instancePath === ''
      ? missing
        ? 'config (not given)'
        : 'config'
      : `config${e.instancePath.replaceAll('/', '.')}`;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : e.keyword === 'enum'
        ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
        : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function error(code: string, message: string, path: readonly (string | number)[]): PathProblem {
  return { severity: 'error', code, message, path: [...path] };
}

function createAjv() {
  // Loaded only when a config has plugins.
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  return ajv;
}

/** JSON with keys sorted, so that two equal overrides share one instance. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
