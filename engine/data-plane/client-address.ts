import type { Exchange } from './exchange.js';
import type { TrustMatcher } from './trust-proxy.js';

export type ClientAddress = (ex: Exchange) => string;

/**
 * Whether the request's TCP peer is a trusted proxy. Decided once per request: the IP filter,
 * the rate limit key and the forwarded headers all ask, and each answer parses the address.
 * Every reader of one table passes that table's matcher, so the first answer holds for all.
 */
export function isPeerTrusted(ex: Exchange, isTrustedProxy: TrustMatcher): boolean {
  return (ex.peerTrusted ??= isTrustedProxy(ex.peerAddress));
}

/**
 * The client's address for IP filters, rate limits and hashing, computed once per request.
 * Behind trusted proxies it is the last X-Forwarded-For hop that no trusted proxy wrote: the
 * entries to its left came from the client itself and can say anything.
 */
export function createClientAddress(isTrustedProxy: TrustMatcher): ClientAddress {
  return function clientAddress(ex) {
    return (ex.client ??= addressBehindProxies(ex, isTrustedProxy));
  };
}

function addressBehindProxies(ex: Exchange, isTrustedProxy: TrustMatcher): string {
  if (!isPeerTrusted(ex, isTrustedProxy)) return ex.peerAddress;
  const forwarded = ex.header('x-forwarded-for');
  if (forwarded === undefined) return ex.peerAddress;
  const hops = forwarded.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (hop !== '' && !isTrustedProxy(hop)) return hop;
  }
  // Every hop is a trusted proxy: the first is as close to the client as the chain gets.
  return (hops[0] as string).trim() || ex.peerAddress;
}
