import { hostName } from './host-name.js';
import type { PathPattern } from './path-pattern.js';

export type PatternMatch =
  | { matched: true; params: string[]; wildcard: string }
  /** How many leading segments of the path the pattern accepts before they part. */
  | { matched: false; prefixSegments: number };

/**
 * One pattern against one normalised path, by the trie's rules (a {param} never matches an empty
 * segment, `*` matches zero or more), for explaining a match offline: the router itself never
 * tries patterns one by one.
 */
export function matchPattern(pattern: PathPattern, path: string): PatternMatch {
  const segments = path.split('/').slice(1);
  const params: string[] = [];
  for (let i = 0; i < pattern.segments.length; i++) {
    const p = pattern.segments[i] as PathPattern['segments'][number];
    if (p.kind === 'wildcard') {
      return { matched: true, params, wildcard: segments.slice(i).join('/') };
    }
    const seg = segments[i];
    if (seg === undefined) return { matched: false, prefixSegments: i };
    if (p.kind === 'static' ? seg !== p.value : seg === '') {
      return { matched: false, prefixSegments: i };
    }
    if (p.kind === 'param') params.push(seg);
  }
  return segments.length === pattern.segments.length
    ? { matched: true, params, wildcard: '' }
    : { matched: false, prefixSegments: pattern.segments.length };
}

/** Whether a route's `host` (exact, `*.suffix`, or null for any) accepts a Host header. */
export function hostAccepts(routeHost: string | null, host: string): boolean {
  if (routeHost === null) return true;
  const name = hostName(host);
  const pattern = hostName(routeHost);
  if (!pattern.startsWith('*.')) return name === pattern;
  return name.length > pattern.length - 1 && name.endsWith(pattern.slice(1));
}
