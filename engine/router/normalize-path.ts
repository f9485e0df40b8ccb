/**
 * What the gateway does with path forms on which the gateway and an upstream can disagree about
 * the path (`server.paths`). Whatever the choice, the path a route is matched on is the path the
 * upstream receives.
 */
export interface PathPolicy {
  /** `%2F`, `%5C` and a raw `\`: separators to some upstreams, data to others. */
  readonly escapedSlashes: 'reject' | 'unescape_and_redirect' | 'unescape_and_forward' | 'keep';
  /** `;` parameters, which Tomcat-like servers strip from each segment before they route. */
  readonly pathParameters: 'reject' | 'strip' | 'keep';
  /** `%25` followed by two hex digits: an escape that a second decoding turns into another. */
  readonly doubleEncoding: 'reject' | 'keep';
}

/** The default: every ambiguous form is refused, so no upstream can resolve another path. */
export const STRICT_PATH_POLICY: PathPolicy = Object.freeze({
  escapedSlashes: 'reject',
  pathParameters: 'reject',
  doubleEncoding: 'reject',
});

/** Why a path was refused; each reason names the policy key that decides it, if any. */
export type PathRefusalReason =
  | 'malformed'
  | 'escaped_slash'
  | 'path_parameter'
  | 'double_encoding'
  | 'encoded_control'
  | 'overlong_utf8'
  | 'hidden_dot_segment';

export interface PathRefusal {
  readonly refused: PathRefusalReason;
}

/** `unescape_and_redirect`: the client is sent to the unescaped path instead of being served. */
export interface PathRedirect {
  readonly redirectTo: string;
}

/** The normal path to match and forward, or why there is none. */
export type NormalizedPath = string | PathRefusal | PathRedirect;

const REFUSALS: Readonly<Record<PathRefusalReason, PathRefusal>> = Object.freeze({
  malformed: { refused: 'malformed' },
  escaped_slash: { refused: 'escaped_slash' },
  path_parameter: { refused: 'path_parameter' },
  double_encoding: { refused: 'double_encoding' },
  encoded_control: { refused: 'encoded_control' },
  overlong_utf8: { refused: 'overlong_utf8' },
  hidden_dot_segment: { refused: 'hidden_dot_segment' },
});

const REFUSAL_TEXT: Readonly<Record<PathRefusalReason, string>> = Object.freeze({
  malformed: 'the request path is malformed',
  escaped_slash:
    'the request path contains an encoded slash or backslash (%2F, %5C or \\), refused by server.paths.escaped_slashes',
  path_parameter:
    'the request path contains a ";" path parameter, refused by server.paths.path_parameters',
  double_encoding:
    'the request path contains a double-encoded escape (%25 and two hex digits), refused by server.paths.double_encoding',
  encoded_control: 'the request path contains an encoded control character',
  overlong_utf8: 'the request path contains an overlong UTF-8 encoding',
  hidden_dot_segment:
    'the request path hides a "." or ".." segment behind an encoded slash or a ";" parameter',
});

/** The sentence a refusal is answered with. */
export function describePathRefusal(reason: PathRefusalReason): string {
  return REFUSAL_TEXT[reason];
}

const SLASH = 47;
const BACKSLASH = 92;
const SEMICOLON = 59;
const PERCENT = 37;
const DOT = 46;

/**
 * Puts a request path into the one form routes are matched against and upstreams receive, so
 * that `/a/../admin`, `/%2e%2e/admin` and `//admin` cannot slip past a route's filters:
 * percent-encoded unreserved characters are decoded, other escapes are kept (hex upper-cased),
 * repeated slashes collapse and `.`/`..` segments are resolved (never above the root). Forms that
 * an upstream may read as another path (encoded slashes, `;` parameters, double encoding) follow
 * `policy`; encoded control characters and overlong UTF-8 are always refused.
 */
export function normalizePath(
  raw: string,
  policy: PathPolicy = STRICT_PATH_POLICY,
): NormalizedPath {
  if (raw.charCodeAt(0) !== SLASH) return REFUSALS.malformed;
  if (isAlreadyNormal(raw)) return raw;

  const decoded = decode(raw, policy);
  if (typeof decoded !== 'string') return decoded;
  if (policy.doubleEncoding === 'reject' && /%25[0-9A-F]{2}/i.test(decoded)) {
    return REFUSALS.double_encoding;
  }
  const path = resolveSegments(decoded);
  if (policy.escapedSlashes === 'keep' || policy.pathParameters === 'keep') {
    if (hidesDotSegment(path)) return REFUSALS.hidden_dot_segment;
  }
  if (policy.escapedSlashes === 'unescape_and_redirect' && unescapesSeparator(raw)) {
    return { redirectTo: path };
  }
  return path;
}

/** The common case, checked without allocating: no escapes, parameters, empty or dot segments. */
function isAlreadyNormal(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT || c === SEMICOLON || c === BACKSLASH) return false;
    if (c === SLASH) {
      const next = path.charCodeAt(i + 1);
      if (next === SLASH) return false;
      if (next === DOT) {
        const after = path.charCodeAt(i + 2);
        if (Number.isNaN(after) || after === SLASH) return false;
        if (after === DOT) {
          const third = path.charCodeAt(i + 3);
          if (Number.isNaN(third) || third === SLASH) return false;
        }
      }
    }
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** One pass over the raw path: escapes decoded or kept, separators and parameters per policy. */
function decode(path: string, policy: PathPolicy): string | PathRefusal {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return REFUSALS.malformed;
    if (code === BACKSLASH) {
      const kept = separator(policy, '\\');
      if (kept === null) return REFUSALS.escaped_slash;
      out += kept;
    } else if (code === SEMICOLON) {
      if (policy.pathParameters === 'reject') return REFUSALS.path_parameter;
      if (policy.pathParameters === 'keep') out += ';';
      else while (i + 1 < path.length && path.charCodeAt(i + 1) !== SLASH) i++;
    } else if (code !== PERCENT) {
      out += path[i];
    } else {
      const byte = hexByte(path, i + 1);
      if (byte < 0) return REFUSALS.malformed;
      i += 2;
      if (byte < 0x20 || byte === 0x7f) return REFUSALS.encoded_control;
      const next = path.charCodeAt(i + 1) === PERCENT ? hexByte(path, i + 2) : -1;
      if (isOverlongLead(byte, next)) return REFUSALS.overlong_utf8;
      if (byte === SLASH || byte === BACKSLASH) {
        const kept = separator(policy, byte === SLASH ? '%2F' : '%5C');
        if (kept === null) return REFUSALS.escaped_slash;
        out += kept;
      } else if (isUnreserved(byte)) {
        out += String.fromCharCode(byte);
      } else {
        out += '%' + path.slice(i - 1, i + 1).toUpperCase();
      }
    }
  }
  return out;
}

/** What an escaped or raw backslash separator becomes: null when the policy refuses it. */
function separator(policy: PathPolicy, asSent: string): string | null {
  switch (policy.escapedSlashes) {
    case 'reject':
      return null;
    case 'keep':
      return asSent;
    default:
      return '/';
  }
}

/** Resolves `.` and `..` and collapses repeated slashes; `decoded` starts with `/`. */
function resolveSegments(decoded: string): string {
  const out: string[] = [];
  const parts = decoded.split('/');
  // parts[0] is the empty string before the leading slash.
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i] as string;
    const last = i === parts.length - 1;
    if (seg === '..') {
      out.pop();
      if (last) out.push('');
    } else if (seg === '.' || seg === '') {
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  return '/' + out.join('/');
}

/**
 * With escaped slashes or `;` parameters kept, a segment such as `..%2Fadmin` or `..;x` is data
 * to the gateway but a `..` to an upstream that decodes or strips: such paths are refused.
 */
function hidesDotSegment(path: string): boolean {
  for (const segment of path.split('/')) {
    for (const piece of segment.split(/%2F|%5C|\\/)) {
      const name = piece.split(';', 1)[0];
      if (name === '.' || name === '..') return true;
    }
  }
  return false;
}

function unescapesSeparator(raw: string): boolean {
  return /%2F|%5C|\\/i.test(raw);
}

function hexByte(s: string, at: number): number {
  const hi = hexValue(s.charCodeAt(at));
  const lo = hexValue(s.charCodeAt(at + 1));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Byte sequences that only an overlong (invalid) UTF-8 encoding starts with, such as `%C0%AF`
 * for `/`: old decoders turned them into separators and dots.
 */
function isOverlongLead(byte: number, next: number): boolean {
  if (byte === 0xc0 || byte === 0xc1) return true;
  if (byte === 0xe0) return next >= 0x80 && next <= 0x9f;
  if (byte === 0xf0) return next >= 0x80 && next <= 0x8f;
  return false;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 65 && byte <= 90) ||
    (byte >= 97 && byte <= 122) ||
    (byte >= 48 && byte <= 57) ||
    byte === 45 ||
    byte === DOT ||
    byte === 95 ||
    byte === 126
  );
}
