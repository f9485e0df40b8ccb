import { CONFIG_DEFAULTS } from '../../config/config-defaults.js';
import type { ResponseHeadersConfig } from '../../config/gateway-config.js';
import type { ResponseStep } from '../../data-plane/filter-chain.js';
import type { FilterFactory } from '../filter-factory.js';

/** For `gatewayd routes --explain`: the edits, never the values (they may hold secrets). */
export function describeResponseHeaderEdits(edits: ResponseHeadersConfig): string {
  const parts: string[] = [];
  if (edits.remove?.length) parts.push(`remove ${edits.remove.join(', ')}`);
  const set = Object.keys(edits.set ?? {});
  if (set.length > 0) parts.push(`set ${set.join(', ')}`);
  return `response_headers ${parts.join('; ')}`;
}

/** The step that removes the route's names and sets its values, on any response of the route. */
function editResponseHeaders(edits: ResponseHeadersConfig): ResponseStep {
  const set = Object.entries(edits.set ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  const removed = [
    ...(edits.remove ?? []).map((name) => name.toLowerCase()),
    ...set.map(([name]) => name as string),
  ];
  const added = set.flat() as string[];
  return function editResponseHeaders(_ex, head) {
    for (let i = 0; i < removed.length; i++) head.remove(removed[i] as string);
    for (let i = 0; i < added.length; i += 2) head.add(added[i] as string, added[i + 1] as string);
  };
}

/**
 * `response_headers` and `server.hide_upstream_headers`. The hidden names are dropped from
 * upstream answers as they are written (no step); the route's edits are a response step. First
 * in the filter list, so its response step runs last: the route's set and remove have the last
 * word over every other filter's headers.
 */
export const responseHeaders: FilterFactory = {
  name: 'response_headers',
  build({ route, table }) {
    const hidden = new Set(
      (
        table.config.server?.hide_upstream_headers ?? CONFIG_DEFAULTS.server.hide_upstream_headers
      ).map((name) => name.toLowerCase()),
    );
    const edits = route.response_headers;
    if (hidden.size === 0 && edits === undefined) return null;
    return {
      descriptions: edits === undefined ? [] : [describeResponseHeaderEdits(edits)],
      request: null,
      response: edits === undefined ? null : editResponseHeaders(edits),
      ownsResponseHeader: hidden.size === 0 ? null : (name: string): boolean => hidden.has(name),
      upstreamHeaders: null,
    };
  },
};
