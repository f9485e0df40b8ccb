import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin, PluginPhase } from './plugin-api.js';

export const PLUGIN_PHASES: readonly PluginPhase[] = [
  'before_auth',
  'after_auth',
  'before_upstream',
];

/** One version of a plugin module, as imported. */
export interface PluginModule {
  readonly plugin: Plugin<unknown>;
  /** The module's file. */
  readonly file: string;
  /** sha256 of the file's text: a new one is imported as a fresh module instance. */
  readonly version: string;
}

export type ModuleLoad = { ok: true; module: PluginModule } | { ok: false; message: string };

const require = createRequire(import.meta.url);
let typescriptHooks: 'registered' | string | null = null;

/**
 * The plugin modules of a gateway, kept across reloads. A module is imported again only when its
 * file's text changed, under a URL of its own (`?v=<hash>`): Node keeps every imported module
 * for the life of the process, so each edit of a plugin costs the memory of one more copy, while
 * reloads that leave the file as it was cost nothing.
 */
export class PluginModules {
  private readonly byFile = new Map<string, PluginModule>();
  /** Every file a config named, loaded or not: fixing a broken one reloads too. */
  private readonly named = new Set<string>();

  /** The files to watch. */
  get files(): string[] {
    return [...this.named];
  }

  /**
   * Finds `specifier` (a path relative to `configDir`, or a package name resolved from there) and
   * imports it. Failures say what went wrong and, for an error in the module, where.
   */
  async load(specifier: string, configDir: string): Promise<ModuleLoad> {
    const file = resolveModule(specifier, configDir);
    if (typeof file !== 'string') return file;
    this.named.add(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return {
        ok: false,
        message: missing
          ? `the plugin module ${file} does not exist`
          : `cannot read ${file}: ${(err as Error).message}`,
      };
    }
    const version = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const known = this.byFile.get(file);
    if (known !== undefined && known.version === version) return { ok: true, module: known };
    if (/\.m?ts$/.test(file)) {
      const refusal = enableTypeScript();
      if (refusal !== null) return { ok: false, message: refusal };
    }
    const url = `${pathToFileURL(file).href}?v=${version}`;
    let exports: { default?: unknown };
    try {
      exports = (await import(url)) as { default?: unknown };
    } catch (err) {
      return { ok: false, message: `${file} failed to load: ${describeFailure(err, file)}` };
    }
    const shape = pluginShapeProblem(exports.default);
    if (shape !== null) return { ok: false, message: `${file}: ${shape}` };
    const module: PluginModule = { plugin: exports.default as Plugin<unknown>, file, version };
    this.byFile.set(file, module);
    return { ok: true, module };
  }
}

function resolveModule(
  specifier: string,
  configDir: string,
): string | { ok: false; message: string } {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return resolve(configDir, specifier);
  try {
    return createRequire(resolve(configDir, 'gateway.yaml')).resolve(specifier);
  } catch {
    return {
      ok: false,
      message: `cannot find the package "${specifier}" from ${configDir}; a file path starts with ./ or /`,
    };
  }
}

/** Registers the TypeScript loader once; a message when the compiler is not installed. */
function enableTypeScript(): string | null {
  if (typescriptHooks === 'registered') return null;
  if (typescriptHooks !== null) return typescriptHooks;
  try {
    require.resolve('typescript');
  } catch {
    typescriptHooks =
      'TypeScript plugins need the typescript package beside gatewayd (npm install typescript), or compile the plugin to .js';
    return typescriptHooks;
  }
  register(new URL('./typescript-hooks.js', import.meta.url));
  typescriptHooks = 'registered';
  return null;
}

/** What is wrong with a module's default export as a plugin, or null. */
function pluginShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null)
    return 'the default export must be a plugin object ({ name, create, configSchema?, phase? })';
  const p = value as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name === '') return 'the plugin has no name (a string)';
  if (typeof p.create !== 'function')
    return `plugin "${p.name}" has no create(config, context) function`;
  if (
    p.configSchema !== undefined &&
    (typeof p.configSchema !== 'object' || p.configSchema === null)
  )
    return `plugin "${p.name}": configSchema must be a JSON Schema object`;
  if (p.phase !== undefined && !PLUGIN_PHASES.includes(p.phase as PluginPhase))
    return `plugin "${p.name}": phase must be one of ${PLUGIN_PHASES.join(', ')}`;
  return null;
}

/** An error's message and the place in `file` it comes from (file:line:col), when the stack has it. */
export function describeFailure(err: unknown, file: string): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const place = placeIn(err, file);
  return place === null ? message : `${message} (at ${place})`;
}

function placeIn(err: unknown, file: string): string | null {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const href = pathToFileURL(file).href;
  for (const candidate of [href, file]) {
    const at = stack.indexOf(candidate);
    if (at === -1) continue;
    const position = /^(?:\?v=\w+)?:(\d+)(?::(\d+))?/.exec(stack.slice(at + candidate.length));
    if (position !== null)
      return `${file}:${position[1]}${position[2] === undefined ? '' : `:${position[2]}`}`;
  }
  return null;
}
