/**
 * Allowed-origin patterns for CORS, decided once per config:
 * - `'*'`: any origin;
 * - `https://app.example.com[:port]`: that origin exactly;
 * - `https://*.example.com[:port]`: any subdomain of example.com, at any depth, with the same
 *   scheme and the same port (none when the pattern has none); never example.com itself.
 * Patterns and incoming origins compare in lower case.
 */
export type OriginMatcher = (origin: string) => boolean;

const PATTERN =
  /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?$/;
/** What may stand for `*` in a wildcard pattern: one or more dot-separated host labels. */
const SUBDOMAIN = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: '80',
  https: '443',
  ws: '80',
  wss: '443',
};
const SHAPE = 'expected "*", scheme://host[:port] or scheme://*.domain[:port]';

/** Why `pattern` can never match an Origin header as browsers send it, or null when it can. */
export function checkOriginPattern(pattern: string): string | null {
  if (pattern === '*') return null;
  const p = pattern.toLowerCase();
  if (p === 'null') {
    return `allowed origin "null" would admit every sandboxed iframe and local file on any site; list real origins instead`;
  }
  const m = PATTERN.exec(p);
  if (m === null) {
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/.*$/.test(p)) {
      return `allowed origin "${pattern}" has a path or a trailing slash; an origin is scheme://host[:port] only`;
    }
    if (!p.includes('://')) {
      return `allowed origin "${pattern}" has no scheme; ${SHAPE}, such as "https://${pattern}"`;
    }
    if (p.includes('*')) {
      return `allowed origin "${pattern}" has "*" in an unsupported place; ${SHAPE}`;
    }
    return `allowed origin "${pattern}" is not an origin; ${SHAPE}`;
  }
  const scheme = m[1] as string;
  const wildcard = m[2];
  const host = m[3] as string;
  const port = m[4];
  if (port !== undefined) {
    const n = Number(port);
    if (n < 1 || n > 65535 || port.startsWith('0')) {
      return `allowed origin "${pattern}" has an invalid port ${port}`;
    }
    if (DEFAULT_PORTS[scheme] === port) {
      return `allowed origin "${pattern}" names the default port, which browsers never send; write it without ":${port}"`;
    }
  }
  if (wildcard !== undefined) {
    if (host.startsWith('[')) return `allowed origin "${pattern}" puts "*." before an IP address`;
    if (!host.includes('.')) {
      return `allowed origin "${pattern}" is too broad: "*." must be followed by a domain with at least two labels`;
    }
  }
  return null;
}

/** Compiles the patterns (checked with checkOriginPattern) into one matcher. */
export function createOriginMatcher(patterns: readonly string[]): OriginMatcher {
  if (patterns.includes('*')) {
    return function anyOrigin() {
      return true;
    };
  }
  const exact = new Set<string>();
  const wildcards: Array<{ prefix: string; suffix: string }> = [];
  for (const pattern of patterns) {
    const p = pattern.toLowerCase();
    const star = p.indexOf('://*.');
    if (star === -1) exact.add(p);
    else wildcards.push({ prefix: p.slice(0, star + 3), suffix: p.slice(star + 4) });
  }
  if (wildcards.length === 0) {
    return function exactOrigin(origin) {
      return exact.has(origin.toLowerCase());
    };
  }
  return function patternOrigin(origin) {
    const o = origin.toLowerCase();
    if (exact.has(o)) return true;
    for (const { prefix, suffix } of wildcards) {
      // The part standing for "*" must be whole host labels: no port, path, userinfo or empty label.
      if (
        o.length > prefix.length + suffix.length &&
        o.startsWith(prefix) &&
        o.endsWith(suffix) &&
        SUBDOMAIN.test(o.slice(prefix.length, o.length - suffix.length))
      ) {
        return true;
      }
    }
    return false;
  };
}
