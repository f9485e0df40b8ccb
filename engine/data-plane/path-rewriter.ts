import type { PathPattern } from '../router/path-pattern.js';

/** Computes the path sent upstream from the normalised request path and the captures. */
export type PathRewriter = (path: string, params: readonly string[], wildcard: string) => string;

export function keepPath(path: string): string {
  return path;
}

/** `strip_prefix: true` strips the pattern's static prefix; a string strips exactly that prefix. */
export function createPrefixStripper(prefix: string): PathRewriter {
  if (prefix === '/' || prefix === '') return keepPath;
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return function stripPrefix(path: string): string {
    if (path === bare) return '/';
    if (path.startsWith(bare) && path.charCodeAt(bare.length) === 47 /* / */)
      return path.slice(bare.length);
    return path;
  };
}

/**
 * `rewrite: "/v2/users/{id}/*"`: the template is split once into literal parts and capture
 * references, so a request only joins strings. Returns the names the template uses that the
 * route does not capture, so the compiler can report them.
 */
export function createTemplateRewriter(
  template: string,
  pattern: PathPattern,
): PathRewriter | { unknown: string[] } {
  const parts: Array<string | number> = [];
  const unknown: string[] = [];
  const WILDCARD = -1;
  const tokens = template.split(/(\{[A-Za-z_][A-Za-z0-9_]*\}|\*$)/);
  for (const token of tokens) {
    if (token === '') continue;
    if (token === '*') {
      if (!pattern.hasWildcard) unknown.push('*');
      parts.push(WILDCARD);
    } else if (token.startsWith('{') && token.endsWith('}')) {
      const index = pattern.paramNames.indexOf(token.slice(1, -1));
      if (index < 0) unknown.push(token);
      parts.push(index);
    } else {
      parts.push(token);
    }
  }
  if (unknown.length > 0) return { unknown };
  return function rewritePath(_path: string, params: readonly string[], wildcard: string): string {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else out += part === WILDCARD ? wildcard : params[part];
    }
    return out;
  };
}
