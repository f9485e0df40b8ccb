import type { RequestHeadersConfig } from '../config/gateway-config.js';
import type { RequestHeaderPolicy } from '../data-plane/forward-headers.js';

/**
 * One route's request header policy: the identity headers every route drops, plus what its
 * `request_headers` removes and sets. A set header drops the client's copy so exactly one value
 * goes upstream. Routes without `request_headers` share the identity set as it is.
 */
export function requestHeaderPolicy(
  edits: RequestHeadersConfig | undefined,
  identityHeaderNames: ReadonlySet<string>,
): RequestHeaderPolicy {
  if (edits === undefined) return { dropped: identityHeaderNames, added: [] };
  const set = Object.entries(edits.set ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  return {
    dropped: new Set([
      ...identityHeaderNames,
      ...(edits.remove ?? []).map((name) => name.toLowerCase()),
      ...set.map(([name]) => name as string),
    ]),
    added: set.flat(),
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
