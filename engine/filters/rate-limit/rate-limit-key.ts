import { createHash } from 'node:crypto';

/** What a rate limit counts by. A list counts by the combination ("user" per "route", ...). */
export type KeyPart = 'ip' | 'user' | 'api_key' | 'route' | `header:${string}`;
export type KeySpec = KeyPart | readonly KeyPart[];

/** The parts of a request a key can be read from; the data plane fills it once per request. */
export interface RateLimitRequest {
  clientIp: string;
  /** The authenticated user (JWT `sub`), absent on anonymous requests. */
  subject?: string;
  /** The id of the API key used, absent when none was. */
  apiKeyId?: string;
  routeName: string;
  /** A request header by lowercase name; undefined when absent. */
  header(lowercaseName: string): string | undefined;
}

export type KeyReader = (req: RateLimitRequest) => string;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
/** Longer values are hashed, so a client cannot make huge store keys. */
const MAX_VALUE_LENGTH = 128;

/** Why `spec` is not a key spec, for the config checker; undefined when it is fine. */
export function keySpecProblem(spec: string | readonly string[]): string | undefined {
  const parts = typeof spec === 'string' ? [spec] : spec;
  if (parts.length === 0) return 'the key list is empty';
  for (const part of parts) {
    if (part === 'ip' || part === 'user' || part === 'api_key' || part === 'route') continue;
    if (part.startsWith('header:')) {
      if (HEADER_NAME.test(part.slice(7))) continue;
      return `"${part}" does not name a valid header (header:NAME)`;
    }
    return `"${part}" is not a rate limit key; use ip, user, api_key, route or header:NAME`;
  }
  if (new Set(parts).size !== parts.length) return 'the key list repeats a part';
  return undefined;
}

/**
 * Compiles a key spec into a reader, once. Each part reads as `name=value` and parts join with
 * '|': `user=alice|route=orders`. When a part is missing from a request (no user on an anonymous
 * request, no API key, no header), the part falls back to the client IP with a '~ip' marker
 * (`user~ip=203.0.113.7`), so anonymous clients get a bucket each instead of sharing one, and a
 * fallback key never equals a real one. Values carrying '|' or '%' are percent-escaped and long
 * values hashed, so a client-chosen header value cannot forge another client's key.
 */
export function createKeyReader(spec: KeySpec): KeyReader {
  const problem = keySpecProblem(spec);
  if (problem) throw new TypeError(`invalid rate limit key: ${problem}`);
  const readers = (typeof spec === 'string' ? [spec] : spec).map(partReader);
  if (readers.length === 1) return readers[0]!;
  return function readCombinedKey(req) {
    let key = readers[0]!(req);
    for (let i = 1; i < readers.length; i++) key += '|' + readers[i]!(req);
    return key;
  };
}

function partReader(part: KeyPart): KeyReader {
  switch (part) {
    case 'ip':
      return function readIp(req) {
        return 'ip=' + req.clientIp;
      };
    case 'route':
      return function readRoute(req) {
        return 'route=' + safe(req.routeName);
      };
    case 'user':
      return function readUser(req) {
        return req.subject ? 'user=' + safe(req.subject) : 'user~ip=' + req.clientIp;
      };
    case 'api_key':
      return function readApiKey(req) {
        return req.apiKeyId ? 'key=' + safe(req.apiKeyId) : 'key~ip=' + req.clientIp;
      };
    default: {
      const name = part.slice(7).toLowerCase();
      const label = 'h.' + name;
      return function readHeader(req) {
        const value = req.header(name);
        return value ? label + '=' + safe(value) : label + '~ip=' + req.clientIp;
      };
    }
  }
}

function safe(value: string): string {
  if (value.length > MAX_VALUE_LENGTH) {
    return '#' + createHash('sha256').update(value).digest('base64url');
  }
  if (!value.includes('|') && !value.includes('%')) return value;
  return value.replaceAll('%', '%25').replaceAll('|', '%7C');
}
