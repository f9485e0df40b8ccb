/** One segment of a route path pattern. */
export type PatternSegment =
  { kind: 'static'; value: string } | { kind: 'param'; name: string } | { kind: 'wildcard' };

export interface PathPattern {
  segments: PatternSegment[];
  paramNames: string[];
  hasWildcard: boolean;
  /** The literal part before the first {param} or *, e.g. "/api/users" for "/api/users/{id}". */
  staticPrefix: string;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Parses "/users/{id}/*" into segments. Throws a PatternError with a hint for anything the router
 * could not match reliably: a `*` that is not the last segment, a malformed or repeated {param},
 * or a path that is not already in normal form (the form requests are normalised to).
 */
export function parsePathPattern(path: string): PathPattern {
  const raw = path.split('/').slice(1);
  const segments: PatternSegment[] = [];
  const paramNames: string[] = [];
  let prefixEnd = -1;

  raw.forEach((seg, i) => {
    const last = i === raw.length - 1;
    if (seg === '*') {
      if (!last)
        throw new PatternError(
          `"*" must be the last segment of "${path}"`,
          'write the wildcard at the end, e.g. "/static/*"',
        );
      segments.push({ kind: 'wildcard' });
      return;
    }
    const param = PARAM.exec(seg);
    if (param) {
      const name = param[1] as string;
      if (paramNames.includes(name)) {
        throw new PatternError(
          `parameter {${name}} appears twice in "${path}"`,
          'give each parameter its own name',
        );
      }
      paramNames.push(name);
      segments.push({ kind: 'param', name });
      return;
    }
    if (/[{}*]/.test(seg)) {
      throw new PatternError(
        `segment "${seg}" of "${path}" mixes text with {, } or *`,
        'a segment is either literal text, a whole {param}, or a trailing *',
      );
    }
    if ((seg === '' && !last) || seg === '.' || seg === '..' || seg.includes('%')) {
      throw new PatternError(
        `"${path}" is not a normalised path (empty, "." or ".." segments, or percent-escapes)`,
        'requests are normalised before matching; write the path the way it looks after that',
      );
    }
    if (prefixEnd === i - 1) prefixEnd = i;
    segments.push({ kind: 'static', value: seg });
  });

  const staticPrefix = '/' + raw.slice(0, prefixEnd + 1).join('/');
  return {
    segments,
    paramNames,
    hasWildcard: segments.at(-1)?.kind === 'wildcard',
    staticPrefix:
      staticPrefix.length > 1 && staticPrefix.endsWith('/')
        ? staticPrefix.slice(0, -1)
        : staticPrefix,
  };
}

export class PatternError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}
