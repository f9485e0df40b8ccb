import { HOP_BY_HOP_HEADERS } from '../../data-plane/hop-by-hop-headers.js';
import { isHttpToken } from '../is-http-token.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The headers seed 004 ("Security Headers") says the gateway adds to every response, with its
 * values, names in lower case.
 */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'content-security-policy': "default-src 'self'",
});

/**
 * Per-header changes to the defaults: a string sets the header (replacing a default or adding a
 * new one), `false` removes it. Names match in any case.
 */
export type SecurityHeaderOverrides = Readonly<Record<string, string | false>>;

export interface SecurityHeaders {
  /**
   * Every header to add, in lower case; empty when security headers are off. The data plane adds
   * each unless the response already has it (an upstream's own value wins).
   */
  readonly headers: HeaderList;
}

/** Headers that frame the message or belong to one connection: never set them from config. */
const RESERVED = new Set([...HOP_BY_HOP_HEADERS, 'content-length', 'host']);
/** Control characters other than horizontal tab, CR and LF among them: never valid in a value. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/; // eslint-disable-line no-control-regex

/** Configuration errors, one sentence each; an empty list means createSecurityHeaders accepts them. */
export function checkSecurityHeaders(overrides: SecurityHeaderOverrides | false = {}): string[] {
  if (overrides === false) return [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(overrides)) {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) {
      problems.push(`security header "${name}" is set twice (also as "${earlier}")`);
    }
    seen.set(lower, name);
    if (!isHttpToken(name)) {
      problems.push(`security header name "${name}" is not a valid HTTP header name`);
    } else if (RESERVED.has(lower)) {
      problems.push(`security header "${name}" controls message framing and cannot be set here`);
    }
    if (value === false) continue;
    if (typeof value !== 'string') {
      problems.push(`security header "${name}" must be a string, or false to remove it`);
    } else if (CONTROL.test(value)) {
      problems.push(
        `security header "${name}" has a control character (such as CR or LF) in its value`,
      );
    } else if (value.trim() === '') {
      problems.push(`security header "${name}" is empty; use false to remove it`);
    }
  }
  return problems;
}

/**
 * Builds the list once: the defaults, changed by `overrides`; `false` turns security headers off.
 * Throws when checkSecurityHeaders reports a problem.
 */
export function createSecurityHeaders(
  overrides: SecurityHeaderOverrides | false = {},
): SecurityHeaders {
  const problems = checkSecurityHeaders(overrides);
  if (problems.length > 0) throw new Error(`invalid security headers: ${problems.join('; ')}`);
  const values = new Map(Object.entries(DEFAULT_SECURITY_HEADERS));
  if (overrides === false) values.clear();
  else {
    for (const [name, value] of Object.entries(overrides)) {
      if (value === false) values.delete(name.toLowerCase());
      else values.set(name.toLowerCase(), value);
    }
  }
  return { headers: [...values] };
}
