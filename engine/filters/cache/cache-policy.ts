import type { IncomingHttpHeaders } from 'node:http';
import { CONFIG_DEFAULTS } from '../../config/config-defaults.js';
import type { CacheConfig } from '../../config/gateway-config.js';
import { duration, size } from '../../config/units.js';
import { parseCacheControl } from './cache-control.js';

const D = CONFIG_DEFAULTS.routes.cache;

/** A route's `cache` block, read once per table. */
export interface CachePolicy {
  ttlMs: number;
  keyParts: readonly string[];
  backend: 'memory' | 'redis';
  maxBytes: number;
  maxEntryBytes: number;
  methods: ReadonlySet<string>;
  statuses: ReadonlySet<number>;
  coalesceTimeoutMs: number;
}

export function cachePolicyOf(config: CacheConfig): CachePolicy {
  return {
    ttlMs: duration(config.ttl, D.ttl),
    keyParts: config.key ?? D.key,
    backend: config.backend ?? D.backend,
    maxBytes: size(config.max_size, D.max_size),
    maxEntryBytes: size(config.max_entry_size, D.max_entry_size),
    methods: new Set(config.methods ?? D.methods),
    statuses: new Set<number>(config.statuses ?? D.statuses),
    coalesceTimeoutMs: duration(config.coalesce_timeout, D.coalesce_timeout),
  };
}

/**
 * How long an upstream answer stays fresh, in ms from when the upstream sent it, or 0 when it
 * must not be stored: a status not listed, Set-Cookie (one caller's session), Cache-Control
 * no-store, private or no-cache, Vary: *, an event stream, a body over the entry bound or sent
 * in a coding (the cache asks for none, and could not serve it to every client). s-maxage wins
 * over max-age, max-age over the route's ttl.
 */
export function freshnessOf(
  policy: CachePolicy,
  status: number,
  headers: IncomingHttpHeaders,
): number {
  if (!policy.statuses.has(status) || headers['set-cookie'] !== undefined) return 0;
  const cc = parseCacheControl(joined(headers['cache-control']));
  if (cc.noStore || cc.private || cc.noCache) return 0;
  if (varyNamesOf(headers) === null) return 0;
  const type = headers['content-type'];
  if (type !== undefined && /^\s*text\/event-stream/i.test(type)) return 0;
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > policy.maxEntryBytes) return 0;
  const coding = headers['content-encoding'];
  if (coding !== undefined && coding.toLowerCase() !== 'identity') return 0;
  if (cc.sMaxAge >= 0) return cc.sMaxAge * 1000;
  if (cc.maxAge >= 0) return cc.maxAge * 1000;
  return policy.ttlMs;
}

/**
 * The request headers an answer's Vary names (lower case), without Accept-Encoding: the cache
 * always fetches the uncoded body and compression is chosen per client afterwards. Null for
 * `Vary: *`, which no stored answer can satisfy.
 */
export function varyNamesOf(headers: IncomingHttpHeaders): string[] | null {
  const vary = joined(headers.vary);
  if (vary === undefined) return [];
  const names: string[] = [];
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return null;
    if (name !== '' && name !== 'accept-encoding' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The seconds an upstream's Age header says its answer has already spent in caches. */
export function ageOf(headers: IncomingHttpHeaders): number {
  const age = headers.age;
  return age !== undefined && /^\d+$/.test(age) ? Number(age) : 0;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
