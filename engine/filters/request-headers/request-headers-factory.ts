import type { RequestHeadersConfig } from '../../config/gateway-config.js';
import type { UpstreamHeaderEdits } from '../../data-plane/filter-chain.js';
import type { FilterFactory } from '../filter-factory.js';

/**
 * What a route's `request_headers` removes and sets. A set header drops the client's copy, so
 * exactly one value goes upstream.
 */
export function requestHeaderEdits(edits: RequestHeadersConfig): UpstreamHeaderEdits {
  const set = Object.entries(edits.set ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  return {
    dropped: [
      ...(edits.remove ?? []).map((name) => name.toLowerCase()),
      ...set.map(([name]) => name as string),
    ],
    added: set.flat() as string[],
  };
}

/** For `gatewayd routes --explain`: the edits, never the values (they may hold secrets). */
export function describeHeaderEdits(edits: RequestHeadersConfig): string {
  const parts: string[] = [];
  if (edits.remove?.length) parts.push(`remove ${edits.remove.join(', ')}`);
  const set = Object.keys(edits.set ?? {});
  if (set.length > 0) parts.push(`set ${set.join(', ')}`);
  return `request_headers ${parts.join('; ')}`;
}

/** `request_headers`: edits of the header list the upstream receives, fixed per route. */
export const requestHeaders: FilterFactory = {
  name: 'request_headers',
  build({ route }) {
    if (route.request_headers === undefined) return null;
    return {
      descriptions: [describeHeaderEdits(route.request_headers)],
      request: null,
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: requestHeaderEdits(route.request_headers),
    };
  },
};
