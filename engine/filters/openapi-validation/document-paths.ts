import type { PathPattern } from '../../router/path-pattern.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** One path of a document, with the methods it has operations for. */
export interface DocumentPath<Op> {
  /** The path as the document writes it, e.g. /pets/{petId}. */
  readonly template: string;
  /** Its segments on this gateway (base path included): text, or null for a {param}. */
  readonly segments: ReadonlyArray<string | null>;
  /** The {param} names, in segment order. */
  readonly paramNames: readonly string[];
  /** Upper-case method -> operation. */
  readonly operations: ReadonlyMap<string, Op>;
}

export function splitTemplate(
  base: string,
  template: string,
): { segments: Array<string | null>; paramNames: string[] } {
  const segments: Array<string | null> = [];
  const paramNames: string[] = [];
  for (const seg of `${base}${template}`.split('/').slice(1)) {
    const param = /^\{([^{}]+)\}$/.exec(seg);
    if (param === null) segments.push(seg);
    else {
      segments.push(null);
      paramNames.push(param[1] as string);
    }
  }
  return { segments, paramNames };
}

/**
 * Whether some request could match both the route's pattern and the document's path: a route
 * segment of text takes a document {param} or the same text; a route {param} takes either; the
 * route's trailing * takes the rest.
 */
export function routeCovers(route: PathPattern, path: DocumentPath<unknown>): boolean {
  const docs = path.segments;
  const segs = route.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as PathPattern['segments'][number];
    if (seg.kind === 'wildcard') return true;
    if (i >= docs.length) return false;
    const doc = docs[i];
    if (seg.kind === 'static' && doc !== null && doc !== seg.value) return false;
  }
  return segs.length === docs.length;
}

/**
 * The paths in matching order: at the first segment where two differ, text before a {param}
 * (OpenAPI: concrete paths match before templated ones).
 */
export function bySpecificity<Op>(paths: Array<DocumentPath<Op>>): Array<DocumentPath<Op>> {
  return paths.sort((a, b) => {
    const n = Math.min(a.segments.length, b.segments.length);
    for (let i = 0; i < n; i++) {
      const x = a.segments[i] === null;
      const y = b.segments[i] === null;
      if (x !== y) return x ? 1 : -1;
    }
    return a.segments.length - b.segments.length;
  });
}

/**
 * The first of `paths` (in specificity order) that `segments` (a request path split at '/')
 * matches, with the values of its {param}s percent-decoded; null when none does.
 */
export function matchPath<Op>(
  paths: ReadonlyArray<DocumentPath<Op>>,
  segments: readonly string[],
): { path: DocumentPath<Op>; values: string[] } | null {
  outer: for (const path of paths) {
    const docs = path.segments;
    if (docs.length !== segments.length) continue;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const seg = segments[i] as string;
      if (doc === null ? seg === '' : doc !== seg) continue outer;
    }
    const values: string[] = [];
    for (let i = 0; i < docs.length; i++)
      if (docs[i] === null) values.push(decode(segments[i] as string));
    return { path, values };
  }
  return null;
}

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
