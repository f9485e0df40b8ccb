const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Puts a request path into the one form routes are matched against, so that `/a/../admin`,
 * `/%2e%2e/admin` and `//admin` cannot slip past a route's filters: percent-encoded unreserved
 * characters are decoded (other escapes are kept, upper-cased, so `%2F` never splits a segment),
 * repeated slashes collapse, and `.`/`..` segments are resolved (never above the root).
 * Returns null for a path that is not a valid origin-form path.
 */
export function normalizePath(raw: string): string | null {
  if (raw.charCodeAt(0) !== 47 /* / */) return null;
  if (isAlreadyNormal(raw)) return raw;

  const decoded = decodeUnreserved(raw);
  if (decoded === null) return null;

  const out: string[] = [];
  const parts = decoded.split('/');
  // parts[0] is the empty string before the leading slash.
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i] as string;
    const last = i === parts.length - 1;
    if (seg === '..') {
      out.pop();
      if (last) out.push('');
    } else if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '') {
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  return '/' + out.join('/');
}

/** The common case, checked without allocating: no escapes, no empty or dot segments. */
function isAlreadyNormal(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */) return false;
    if (c === 47 /* / */) {
      const next = path.charCodeAt(i + 1);
      if (next === 47) return false;
      if (next === 46 /* . */) {
        const after = path.charCodeAt(i + 2);
        if (Number.isNaN(after) || after === 47) return false;
        if (after === 46) {
          const third = path.charCodeAt(i + 3);
          if (Number.isNaN(third) || third === 47) return false;
        }
      }
    }
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function decodeUnreserved(path: string): string | null {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i] as string;
    const code = ch.charCodeAt(0);
    if (code < 0x21 || code > 0x7e) return null;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return null;
    const char = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(char) ? char : '%' + hex.toUpperCase();
    i += 2;
  }
  return out;
}
