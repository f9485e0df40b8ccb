import { hash32 } from '../../upstream/balancers/hash32.js';
import type { Endpoint } from '../../upstream/endpoint.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';

/**
 * Separates the endpoint tag from the sid the endpoint issued. Not a base64url character, so an
 * engine.io sid never contains it, and unreserved in URLs, so clients send it unencoded.
 */
export const TAG_SEPARATOR = '.';

const tags = new WeakMap<Endpoint, string>();

/**
 * A short name of an endpoint that every gateway instance derives alike from its origin alone,
 * so a session tagged by one instance is routed by any other with the same endpoint list, and
 * across reloads.
 */
export function endpointTag(endpoint: Endpoint): string {
  let tag = tags.get(endpoint);
  if (tag === undefined) {
    tag = hash32(endpoint.origin).toString(36);
    tags.set(endpoint, tag);
  }
  return tag;
}

/** The usable endpoint of `group` whose tag is `tag`; null when it is gone or out of service. */
export function taggedEndpoint(group: UpstreamGroup, tag: string): Endpoint | null {
  const now = performance.now();
  for (const endpoint of group.endpoints) {
    if (endpointTag(endpoint) === tag) return endpoint.health.usable(now) ? endpoint : null;
  }
  return null;
}
