import { CONFIG_DEFAULTS } from '../../config/config-defaults.js';
import type { CompressionConfig } from '../../config/gateway-config.js';
import { size } from '../../config/units.js';
import type { ResponseStep } from '../../data-plane/filter-chain.js';
import type { FilterFactory } from '../filter-factory.js';
import { chooseCoding } from './accept-encoding.js';
import { createBodyEncodings } from './body-encodings.js';

const D = CONFIG_DEFAULTS.middleware.compression;

/** The route's settings: its own, else middleware.compression; null when it compresses nothing. */
function settingsOf(
  route: CompressionConfig | false | undefined,
  global: CompressionConfig | undefined,
): CompressionConfig | null {
  if (route === false) return null;
  return route ?? global ?? null;
}

/** `types`, exact (`application/json`) and by top-level type (`text/*`), matched without case. */
function createTypeMatcher(types: readonly string[]): (contentType: string) => boolean {
  const exact = new Set(types.filter((t) => !t.endsWith('/*')).map((t) => t.toLowerCase()));
  const prefixes = types.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1).toLowerCase());
  return function isCompressibleType(contentType) {
    const semicolon = contentType.indexOf(';');
    const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon))
      .trim()
      .toLowerCase();
    if (media === 'text/event-stream') return false;
    if (exact.has(media)) return true;
    for (let i = 0; i < prefixes.length; i++) {
      if (media.startsWith(prefixes[i] as string)) return true;
    }
    return false;
  };
}

/** A response whose body must go as it is, whatever the client accepts. */
function mustNotEncode(status: number, method: string): boolean {
  return method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304;
}

/**
 * `compression` and middleware.compression: gzip or brotli by the client's Accept-Encoding, on
 * the upstream's answers (streamed) and the gateway's own. First in the filter list, so its
 * response step runs last and sees the headers every other filter left.
 */
export const compression: FilterFactory = {
  name: 'compression',
  build({ route, table }) {
    const settings = settingsOf(route.compression, table.config.middleware?.compression);
    if (settings === null) return null;
    const minSize =
      typeof settings.min_size === 'number'
        ? settings.min_size
        : size(settings.min_size, D.min_size);
    const level = settings.level ?? D.level;
    const isCompressibleType = createTypeMatcher(settings.types ?? D.types);
    const encodings = createBodyEncodings(level);
    const compressIfAccepted: ResponseStep = (ex, head) => {
      if (mustNotEncode(head.status, ex.method)) return;
      if (head.has('content-encoding') || head.has('content-range')) return;
      const type = head.get('content-type');
      if (type === undefined || !isCompressibleType(type)) return;
      if (head.bodyLength >= 0 && head.bodyLength < minSize) return;
      const cacheControl = head.get('cache-control');
      if (cacheControl !== undefined && /no-transform/i.test(cacheControl)) return;
      // The answer depends on Accept-Encoding whether or not this client gets it encoded.
      const vary = head.get('vary');
      if (vary === undefined || !/accept-encoding|\*/i.test(vary))
        head.add('vary', 'accept-encoding');
      const coding = chooseCoding(ex.header('accept-encoding'));
      if (coding === null) return;
      // The encoded body is not byte for byte the one a strong validator names.
      const etag = head.get('etag');
      if (etag !== undefined && !etag.startsWith('W/')) {
        head.remove('etag');
        head.add('etag', `W/${etag}`);
      }
      head.encodeBody(encodings[coding]);
    };
    return {
      descriptions: [`compression level=${level} min_size=${minSize}`],
      request: null,
      response: compressIfAccepted,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
