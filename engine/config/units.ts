import bytes from 'bytes';
import ipaddr from 'ipaddr.js';
import ms from 'ms';

/**
 * A number and one of five units, nothing else: bare numbers are ambiguous (seconds?
 * milliseconds?), and ms' spelled-out units ("5 seconds"), weeks and years (of which length?)
 * are refused so that one config reads one way.
 */
const DURATION = /^\d+(\.\d+)?(ms|s|m|h|d)$/;
/** bytes.parse reads anything it does not recognise with parseInt ("10xb" is 10), so check first. */
const SIZE = /^\d+(\.\d+)?(b|kb|mb|gb)$/i;

/** The forms parseDuration takes, for hints. */
export const DURATION_FORMS =
  'a number and one of ms, s, m, h, d with no space, e.g. "250ms", "30s", "1.5s", "5m", "24h", "7d"';
/** The forms parseSize takes, for hints. */
export const SIZE_FORMS =
  'a number and one of b, kb, mb, gb (1kb = 1024 bytes) with no space, e.g. "512kb", "1mb", "10MB"';

/** Milliseconds of a duration such as "250ms", "30s", "1.5s", "5m" or "24h"; undefined if invalid. */
export function parseDuration(s: string): number | undefined {
  return DURATION.test(s) ? ms(s as ms.StringValue) : undefined;
}

/** Why `s` is not a duration, when it looks like an attempt at one. */
export function durationProblem(s: string): string | undefined {
  const attempt = /^(\d+(?:\.\d+)?)( *)([a-z]*)$/i.exec(s.trim());
  if (attempt === null) return undefined;
  const [, , space, unit] = attempt;
  if (unit === '') return 'a bare number has no unit';
  if (!/^(ms|s|m|h|d)$/.test(unit ?? '')) return `"${unit}" is not one of the units ms, s, m, h, d`;
  if (space !== '' || s !== s.trim()) return 'write the number and the unit with no space';
  return undefined;
}

/** Bytes of a size such as "512kb", "1mb" or "10MB" (1024-based); undefined if invalid. */
export function parseSize(s: string): number | undefined {
  return SIZE.test(s) ? (bytes.parse(s) ?? undefined) : undefined;
}

/** A duration key's milliseconds, or its default's: the schema has checked the value's form. */
export function duration(value: string | undefined, fallback: string): number {
  return parseDuration(value ?? fallback) ?? (parseDuration(fallback) as number);
}

/** A size key's bytes, or its default's: the schema has checked the value's form. */
export function size(value: string | undefined, fallback: string): number {
  return parseSize(value ?? fallback) ?? (parseSize(fallback) as number);
}

/** Why `s` is not an endpoint URL (http or https, a host, no path, query or credentials). */
export function httpUrlProblem(s: string): string | undefined {
  const problem = httpUrlWithPathProblem(s);
  if (problem) return problem;
  const url = new URL(s);
  if (url.pathname !== '/')
    return `it has a path (${url.pathname}); an endpoint is scheme://host:port`;
  if (url.search || s.includes('?')) return 'it has a query string';
  return undefined;
}

export function isHttpUrl(s: string): boolean {
  return httpUrlProblem(s) === undefined;
}

/** Why `s` is not an http(s) URL that may carry a path and query (a collector, for example). */
export function httpUrlWithPathProblem(s: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return 'it does not start with http:// or https://';
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return 'it is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `its scheme is ${url.protocol.slice(0, -1)}; use http or https`;
  }
  if (url.username || url.password) return 'it carries credentials';
  if (url.hash || s.includes('#')) return 'it has a fragment (#...)';
  return undefined;
}

/** A CIDR range ("10.0.0.0/8", "fd00::/8") or a single address ("192.168.1.10", "::1"). */
export function isCidr(s: string): boolean {
  // Four-part decimal only: ipaddr.js also takes forms like "10.1" or "0x0a000001", which read as typos here.
  if (s.includes(':')) return ipaddr.IPv6.isValid(s) || ipaddr.IPv6.isValidCIDR(s);
  return ipaddr.IPv4.isValidFourPartDecimal(s) || ipaddr.IPv4.isValidCIDRFourPartDecimal(s);
}
