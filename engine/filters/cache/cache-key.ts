import type { Exchange } from '../../data-plane/exchange.js';
import { readCookie } from '../../data-plane/read-cookie.js';

/** One of `cache.key`'s parts, read from a request. */
type KeyPart = (ex: Exchange) => string;

/** How a route's cache tells requests apart, built once from `cache.key`. */
export interface CacheKey {
  /** The entry key of a request: the route's name, then each part, joined by "|". */
  of(ex: Exchange): string;
  /**
   * Whether this request's answer may be shared under its key: a request carrying Authorization
   * or a Cookie may only use an entry whose key holds what identifies its caller.
   */
  shareable(ex: Exchange): boolean;
}

export function compileCacheKey(routeName: string, parts: readonly string[]): CacheKey {
  const readers = parts.map(partReader);
  const byIdentity = parts.includes('identity');
  const byAuthorization = parts.includes('header:authorization');
  const byCookie = parts.includes('header:cookie') || parts.some((p) => p.startsWith('cookie:'));
  return {
    of(ex) {
      let key = routeName;
      for (let i = 0; i < readers.length; i++) key += `|${(readers[i] as KeyPart)(ex)}`;
      return key;
    },
    shareable(ex) {
      // `identity` names the caller only once the route's auth has verified it.
      const byCaller = byIdentity && ex.identity !== null;
      const authorization = ex.authorization;
      if (authorization !== undefined && !byCaller && !byAuthorization) return false;
      if (ex.header('cookie') !== undefined && !byCaller && !byCookie) return false;
      // A caller verified by a credential outside Authorization (an API key header, a query
      // parameter): only `identity` tells its answers apart.
      if (ex.identity !== null && !byCaller && authorization === undefined) return false;
      return true;
    },
  };
}

function partReader(part: string): KeyPart {
  switch (part) {
    case 'host':
      return (ex) => ex.host;
    case 'path':
      return (ex) => ex.path;
    case 'query':
      return (ex) => ex.query;
    case 'identity':
      return (ex) => ex.identity?.subject ?? '';
  }
  const colon = part.indexOf(':');
  const kind = part.slice(0, colon);
  const name = part.slice(colon + 1);
  if (kind === 'header') {
    const lower = name.toLowerCase();
    return (ex) => ex.header(lower) ?? '';
  }
  if (kind === 'cookie') return (ex) => readCookie(ex.header('cookie'), name) ?? '';
  return (ex) => queryValue(ex.query, name);
}

/** The first value of query parameter `name` as sent (not decoded), or "". */
function queryValue(query: string, name: string): string {
  const prefix = `${name}=`;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (query.startsWith(prefix, start)) return query.slice(start + prefix.length, end);
    if (end - start === name.length && query.startsWith(name, start)) return '';
    start = end + 1;
  }
  return '';
}
