import type { PathPattern } from '../../router/path-pattern.js';

const NO_VALUES: readonly string[] = [];

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A segment with text around its parameters, such as {name}.json: matched by a pattern. */
export interface MixedSegment {
  readonly pattern: RegExp;
}

/** A segment of a document's path: text, null for a whole {param}, or a mixed one. */
export type DocumentSegment = string | null | MixedSegment;

/** One path of a document, with the methods it has operations for. */
export interface DocumentPath<Op> {
  /** The path as the document writes it, e.g. /pets/{petId}. */
  readonly template: string;
  /** Its segments on this gateway (base path included). */
  readonly segments: readonly DocumentSegment[];
  /** The {param} names, in segment order. */
  readonly paramNames: readonly string[];
  /** Upper-case method -> operation. */
  readonly operations: ReadonlyMap<string, Op>;
}

export function splitTemplate(
  base: string,
  template: string,
): { segments: DocumentSegment[]; paramNames: string[] } {
  const segments: DocumentSegment[] = [];
  const paramNames: string[] = [];
  for (const seg of `${base}${template}`.split('/').slice(1)) {
    const whole = /^\{([^{}]+)\}$/.exec(seg);
    if (whole !== null) {
      segments.push(null);
      paramNames.push(whole[1] as string);
    } else if (/\{[^{}]+\}/.test(seg)) {
      const parts = seg.split(/\{([^{}]+)\}/);
      let source = '';
      parts.forEach((part, i) => {
        if (i % 2 === 1) {
          paramNames.push(part);
          source += '([^/]+?)';
        } else source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      });
      segments.push({ pattern: new RegExp(`^${source}$`) });
    } else segments.push(seg);
  }
  return { segments, paramNames };
}

/** How specific a segment is: text, then a mixed one, then a whole {param}. */
function rank(segment: DocumentSegment | undefined): number {
  return segment === null ? 2 : typeof segment === 'object' ? 1 : 0;
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
    const doc = docs[i] as DocumentSegment;
    if (seg.kind !== 'static' || doc === null) continue;
    if (typeof doc === 'string' ? doc !== seg.value : !doc.pattern.test(seg.value)) return false;
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
      const order = rank(a.segments[i]) - rank(b.segments[i]);
      if (order !== 0) return order;
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
): { path: DocumentPath<Op>; values: readonly string[] } | null {
  outer: for (const path of paths) {
    const docs = path.segments;
    if (docs.length !== segments.length) continue;
    let values: string[] | null = null;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as DocumentSegment;
      const seg = segments[i] as string;
      if (typeof doc === 'string') {
        if (doc !== seg) continue outer;
      } else if (doc === null) {
        if (seg === '') continue outer;
        (values ??= []).push(decode(seg));
      } else {
        const found = doc.pattern.exec(seg);
        if (found === null) continue outer;
        for (let g = 1; g < found.length; g++) (values ??= []).push(decode(found[g] as string));
      }
    }
    return { path, values: values ?? NO_VALUES };
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
