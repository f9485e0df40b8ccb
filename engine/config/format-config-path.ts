import type { ConfigPath } from './config-problem.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A config path as people read it: routes[3].upstream, upstreams["api.v1"], or "top level". */
export function formatConfigPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || 'top level';
}
