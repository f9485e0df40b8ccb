import type { Exchange } from '../../data-plane/exchange.js';
import type { RequestStep, ResponseStep, Verdict } from '../../data-plane/filter-chain.js';
import type { CacheMark } from '../../data-plane/response-tap.js';
import type { FilterFactory } from '../filter-factory.js';
import { parseCacheControl } from './cache-control.js';
import { compileCacheKey } from './cache-key.js';
import { cachePolicyOf } from './cache-policy.js';
import { variantOf, type CachedResponse } from './cached-response.js';
import { Flight } from './flight.js';
import { ResponseRecorder } from './response-recorder.js';

const MISS: CacheMark = Object.freeze({ xCache: 'MISS', storedAt: 0 });
const BYPASS: CacheMark = Object.freeze({ xCache: 'BYPASS', storedAt: 0 });

/**
 * Conditional and coding headers never reach the upstream of a cached route: the cache needs the
 * whole, uncoded answer to store (it answers If-None-Match itself, and compression applies per
 * client on every answer, hit or miss).
 */
const DROPPED_UPSTREAM = ['accept-encoding', 'if-none-match', 'if-modified-since'];

/**
 * `cache`: the route's answers to GET (and HEAD) kept and served again, as the upstream's
 * Cache-Control allows. Last in the filter list: a request reaches it only once every access
 * check and limit has let it through, and its response step runs first, so response_headers can
 * still remove what it adds.
 */
export const cache: FilterFactory = {
  name: 'cache',
  build({ route, routeName, table }) {
    if (route.cache === undefined) return null;
    const policy = cachePolicyOf(route.cache);
    const key = compileCacheKey(routeName, policy.keyParts);
    const state = table.caches.forRoute(routeName, route, policy);
    const { store, flights } = state;
    const recorder = table.recorderFor(routeName);
    recorder?.expectCacheLookups();

    function hit(ex: Exchange, entry: CachedResponse): Verdict {
      state.hits++;
      recorder?.cacheLookup('hit');
      ex.cacheMark = entry;
      if (entry.notModified !== null && etagMatches(ex.header('if-none-match'), entry.etag))
        return entry.notModified;
      return entry.response;
    }

    /** Goes to the upstream and records the answer; `coalesce` lets identical requests wait for it. */
    function miss(ex: Exchange, entryKey: string, coalesce: boolean): Verdict | Promise<Verdict> {
      if (coalesce && ex.method === 'GET') {
        const flight = flights.get(entryKey);
        if (flight !== undefined) {
          return flight.wait().then((entry) => {
            if (entry !== null && fits(entry, ex)) return hit(ex, entry);
            state.misses++;
            recorder?.cacheLookup('miss');
            ex.cacheMark = MISS;
            return null;
          });
        }
      }
      state.misses++;
      recorder?.cacheLookup('miss');
      ex.cacheMark = MISS;
      // A HEAD answer has no body to store; HEAD is served from what a GET stored.
      if (ex.method !== 'GET') return null;
      const flight = coalesce ? new Flight(flights, entryKey, policy.coalesceTimeoutMs) : null;
      ex.responseTap = new ResponseRecorder(ex, entryKey, policy, store, flight);
      return null;
    }

    const serveFromCache: RequestStep = (ex) => {
      if (!policy.methods.has(ex.method)) return null;
      const asked = parseCacheControl(ex.header('cache-control'));
      if (asked.noStore || !key.shareable(ex)) {
        state.bypasses++;
        recorder?.cacheLookup('bypass');
        ex.cacheMark = BYPASS;
        return null;
      }
      const entryKey = key.of(ex);
      // The client asks for a fresh answer: fetched, and stored for the next requests.
      if (asked.noCache || asked.maxAge === 0 || ex.header('pragma') === 'no-cache')
        return miss(ex, entryKey, false);
      const found = store.get(entryKey, ex);
      if (found instanceof Promise) {
        return found.then((entry) => (entry === null ? miss(ex, entryKey, true) : hit(ex, entry)));
      }
      return found === null ? miss(ex, entryKey, true) : hit(ex, found);
    };

    const markAnswer: ResponseStep = (ex, head) => {
      const tap = ex.responseTap;
      // The gateway answered instead of the upstream (an error, a refusal): nothing to store.
      if (tap instanceof ResponseRecorder && !tap.headSeen) tap.fail();
      const mark = ex.cacheMark;
      if (mark === null) return;
      head.add('x-cache', mark.xCache);
      if (mark.storedAt > 0)
        head.add('age', String(Math.max(0, Math.floor((Date.now() - mark.storedAt) / 1000))));
    };

    return {
      descriptions: [
        `cache ${policy.backend} ttl=${policy.ttlMs / 1000}s key=${policy.keyParts.join('+')}`,
      ],
      request: serveFromCache,
      response: markAnswer,
      ownsResponseHeader: null,
      upstreamHeaders: { dropped: DROPPED_UPSTREAM, added: [] },
    };
  },
};

/** Whether a waiter's request may have the entry its flight stored: the same Vary values. */
function fits(entry: CachedResponse, ex: Exchange): boolean {
  return entry.vary.length === 0 || variantOf((n) => ex.header(n), entry.vary) === entry.variant;
}

/** If-None-Match against an ETag, by weak comparison (RFC 9110, section 13.1.2). */
function etagMatches(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (ifNoneMatch === undefined || etag === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const wanted = opaque(etag);
  for (const candidate of ifNoneMatch.split(','))
    if (opaque(candidate.trim()) === wanted) return true;
  return false;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
