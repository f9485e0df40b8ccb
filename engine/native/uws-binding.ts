import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';
import { describeHost, supportedCombinations } from './platform-support.js';
import { binaryFileName, UWS_BUILDS, type UwsBuild } from './uws-builds.js';

export type UwsModule = typeof Uws;

interface LoadedUws {
  readonly uws: UwsModule;
  readonly build: UwsBuild;
}

/**
 * No build's native binary loads in this process. The packages' own entry points would fall back
 * to a JavaScript implementation that crashes on the first request, so they are never used.
 */
export class NativeUwsUnavailableError extends Error {
  constructor(reasons: readonly string[]) {
    super(
      [
        'gatewayd cannot serve here: no native uWebSockets.js binary loads ' +
          "(uWS's JavaScript fallback is never used: it fails on the first request).",
        `  this process: ${describeHost()}`,
        ...reasons.map((r) => `  ${r}`),
        'supported:',
        ...supportedCombinations().map((c) => `  ${c}`),
        'See docs/operations/platforms.md.',
      ].join('\n'),
    );
    this.name = 'NativeUwsUnavailableError';
  }
}

let loaded: LoadedUws | undefined;

/**
 * The uWS binding every listener is made from, loaded once: the first build whose binary for this
 * platform and Node.js ABI loads. Throws NativeUwsUnavailableError when none does.
 */
export function nativeUws(): UwsModule {
  return load().uws;
}

/** The uWS release serving this process (loads it if nothing has yet). */
export function nativeUwsRelease(): string {
  return load().build.release;
}

function load(): LoadedUws {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = binaryFileName();
  const reasons: string[] = [];
  for (const build of UWS_BUILDS) {
    const label = `${build.release} (${build.npmPackage})`;
    let path: string;
    try {
      path = join(dirname(require.resolve(build.resolve)), build.binaries, file);
    } catch {
      reasons.push(`${label}: not installed (run npm ci)`);
      continue;
    }
    if (!existsSync(path)) {
      reasons.push(`${label}: ships no ${file}`);
      continue;
    }
    try {
      loaded = { uws: require(path) as UwsModule, build };
      return loaded;
    } catch (err) {
      reasons.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new NativeUwsUnavailableError(reasons);
}
