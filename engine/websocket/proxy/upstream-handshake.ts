import { isPeerTrusted } from '../../data-plane/client-address.js';
import type { TrustMatcher } from '../../data-plane/trust-proxy.js';
import type { Exchange } from '../../data-plane/exchange.js';
import {
  upstreamRequestHeaders,
  type RequestHeaderPolicy,
} from '../../data-plane/forward-headers.js';

export interface HandshakeOptions {
  preserveHost: boolean;
  isTrustedProxy: TrustMatcher;
  headerPolicy: RequestHeaderPolicy;
  credentialQueryParam: string | null;
  credentialProtocolPrefix: string | null;
}

export interface UpstreamHandshake {
  /** Path and query for the upstream URL. */
  path: string;
  /** The client's subprotocols in its order, without the one carrying a credential. */
  protocols: string[];
  headers: Record<string, string | string[]>;
}

/**
 * The ws client sets these itself for its own handshake: the client's key, version and
 * extensions describe the client's connection to the gateway, not the gateway's to the upstream.
 */
const OWN_HANDSHAKE = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/**
 * What the upstream's opening handshake carries: the client's headers as the HTTP proxy forwards
 * them (hop-by-hop headers and client-sent identity headers dropped; X-Forwarded-*, X-Request-ID
 * and the verified context headers added; Origin kept), the client's subprotocols, and the path.
 * Credentials that only upgrades use (a query parameter, a subprotocol entry) stay at the gateway.
 */
export function upstreamHandshake(
  ex: Exchange,
  path: string,
  o: HandshakeOptions,
): UpstreamHandshake {
  const list = upstreamRequestHeaders(ex, {
    preserveHost: o.preserveHost,
    trustedPeer: isPeerTrusted(ex, o.isTrustedProxy),
    headerPolicy: o.headerPolicy,
  });
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    if (OWN_HANDSHAKE.has(name)) continue;
    const value = list[i + 1] as string;
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  const query = withoutParam(ex.query, o.credentialQueryParam);
  return {
    path: query === '' ? path : `${path}?${query}`,
    protocols: offeredProtocols(ex.header('sec-websocket-protocol'), o.credentialProtocolPrefix),
    headers,
  };
}

function offeredProtocols(header: string | undefined, credentialPrefix: string | null): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const entry of header.split(',')) {
    const protocol = entry.trim();
    if (protocol === '') continue;
    if (credentialPrefix !== null && protocol.startsWith(credentialPrefix)) continue;
    out.push(protocol);
  }
  return out;
}

/** The query without `name`; the rest is kept byte for byte. */
function withoutParam(query: string, name: string | null): string {
  if (name === null || query === '') return query;
  return query
    .split('&')
    .filter((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      return safeDecode(key) !== name;
    })
    .join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
