import type { IncomingHttpHeaders } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';
import type { Exchange } from './exchange.js';
import { HOP_BY_HOP_HEADERS } from './hop-by-hop-headers.js';

/**
 * Headers that describe one connection, not the message (RFC 9110 7.6.1), plus those the gateway
 * sets itself. They never cross the gateway in either direction as received.
 */
const REQUEST_DROPPED = new Set([
  ...HOP_BY_HOP_HEADERS,
  'expect',
  'host',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
]);

const RESPONSE_DROPPED = new Set([
  ...HOP_BY_HOP_HEADERS,
  // uWS writes its own framing and Date.
  'content-length',
  'date',
  'x-request-id',
]);

/** What a route does to the client's request headers on their way upstream; fixed per route. */
export interface RequestHeaderPolicy {
  /**
   * Client headers never forwarded: the identity headers (X-User-ID, ...) on every route, so only
   * the gateway's verified values arrive, plus the route's `request_headers.remove` and the names
   * it sets.
   */
  dropped: ReadonlySet<string>;
  /** The route's `request_headers.set`, as [name, value, ...] with lower-case names. */
  added: readonly string[];
}

export interface ForwardOptions {
  preserveHost: boolean;
  headerPolicy: RequestHeaderPolicy;
  /** The TCP peer is a trusted proxy: its X-Forwarded-* and Forwarded headers are kept. */
  trustedPeer: boolean;
}

/**
 * Headers a route may neither remove nor set: they frame the message or are written by the
 * gateway itself (`preserve_host` is how the Host header is chosen).
 */
export function isGatewayOwnedRequestHeader(name: string): boolean {
  return REQUEST_DROPPED.has(name) || name.startsWith('proxy-') || name === 'content-length';
}

/**
 * Headers no config may remove from or set on a response: uWS writes the framing and Date, the
 * gateway X-Request-ID, and Content-Encoding must describe the body as it is sent.
 */
export function isGatewayOwnedResponseHeader(name: string): boolean {
  return RESPONSE_DROPPED.has(name) || name.startsWith('proxy-') || name === 'content-encoding';
}

/** The header list sent upstream, as [name, value, ...] for undici. */
export function upstreamRequestHeaders(ex: Exchange, opts: ForwardOptions): string[] {
  const src = ex.headers;
  const dropped = opts.headerPolicy.dropped;
  const connectionTokens = connectionListed(ex.connection);
  const out: string[] = [];
  let forwardedFor = '';
  let forwardedProto = '';
  let forwardedHost = '';
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i] as string;
    const value = src[i + 1] as string;
    if (dropped.has(name)) continue;
    if (REQUEST_DROPPED.has(name) || name.startsWith('proxy-') || connectionTokens?.has(name)) {
      if (opts.trustedPeer) {
        if (name === 'x-forwarded-for')
          forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
        else if (name === 'x-forwarded-proto') forwardedProto = value;
        else if (name === 'x-forwarded-host') forwardedHost = value;
        else if (name === 'forwarded') out.push(name, value);
      }
      continue;
    }
    out.push(name, value);
  }
  if (opts.preserveHost && ex.host !== '') out.push('host', ex.host);
  out.push(
    'x-forwarded-for',
    forwardedFor ? `${forwardedFor}, ${ex.peerAddress}` : ex.peerAddress,
    'x-forwarded-proto',
    forwardedProto || (ex.secure ? 'https' : 'http'),
    'x-request-id',
    ex.requestId,
  );
  const xfHost = forwardedHost || ex.host;
  if (xfHost !== '') out.push('x-forwarded-host', xfHost);
  const added = opts.headerPolicy.added;
  for (let i = 0; i < added.length; i++) out.push(added[i] as string);
  if (ex.identityHeaders !== null) out.push(...ex.identityHeaders);
  return out;
}

/** Writes the upstream's response headers that may reach the client, straight to uWS. */
export function writeClientResponseHeaders(
  res: HttpResponse,
  headers: IncomingHttpHeaders,
  /**
   * Headers the route's filters write themselves (CORS, its rate limit state): the upstream's
   * copies are dropped instead of going out twice. Vary is the exception: its values add up (the
   * upstream's `Accept-Encoding` and the route's `Origin` both hold).
   */
  routeOwned: ((name: string) => boolean) | null,
): void {
  const connectionTokens = connectionListed(headers.connection);
  for (const name in headers) {
    if (RESPONSE_DROPPED.has(name) || name.startsWith('proxy-') || connectionTokens?.has(name))
      continue;
    if (routeOwned !== null && name !== 'vary' && routeOwned(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) res.writeHeader(name, v);
    else res.writeHeader(name, value);
  }
}

/**
 * The upstream's response headers that may reach the client, as writeClientResponseHeaders
 * writes them, in a list: what a response cache keeps to answer with later.
 */
export function clientResponseHeaderList(
  headers: IncomingHttpHeaders,
  routeOwned: ((name: string) => boolean) | null,
): [string, string][] {
  const connectionTokens = connectionListed(headers.connection);
  const list: [string, string][] = [];
  for (const name in headers) {
    if (RESPONSE_DROPPED.has(name) || name.startsWith('proxy-') || connectionTokens?.has(name))
      continue;
    if (routeOwned !== null && name !== 'vary' && routeOwned(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) list.push([name, v]);
    else list.push([name, value]);
  }
  return list;
}

function connectionListed(value: string | undefined): Set<string> | null {
  // Nearly every message says just one of these: no list to build.
  if (!value || value === 'keep-alive' || value === 'close') return null;
  const tokens = value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'close' && t !== 'keep-alive');
  return tokens.length > 0 ? new Set(tokens) : null;
}
