export interface CredentialOptions {
  /** A JWT provider is configured for the route. */
  jwt: boolean;
  /** An API key provider is configured for the route. */
  apiKey: boolean;
  /** Lower-case header carrying an API key, such as `x-api-key`. */
  apiKeyHeader: string;
  /** WebSocket routes: the query parameter that may carry a token or key (browsers cannot set headers). */
  queryParam?: string;
  /** WebSocket routes: a `Sec-WebSocket-Protocol` entry with this prefix carries a token or key. */
  protocolPrefix?: string;
}

export type CredentialSource = 'authorization' | 'api_key_header' | 'websocket_protocol' | 'query';

export interface Credential {
  /** Which provider should check it. */
  kind: 'jwt' | 'api_key';
  value: string;
  source: CredentialSource;
  /** The whole `Sec-WebSocket-Protocol` entry used, so the proxy can drop it before forwarding. */
  protocol?: string;
}

/** Three base64url parts: the compact JWS shape (an empty signature still counts, as `alg: none`). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER = /^bearer[ \t]+/i;

/**
 * The credential a request carries, first found in this order: `Authorization: Bearer`, the
 * API key header, then, where configured, a `Sec-WebSocket-Protocol` entry and a query
 * parameter. Null when there is none. Header names given to getHeader are lower-case.
 */
export function readCredentials(
  getHeader: (lowerCaseName: string) => string | undefined,
  query: string,
  opts: CredentialOptions,
): Credential | null {
  return readCredentialsWith(getHeader('authorization'), getHeader, query, opts);
}

/** readCredentials for a caller that has the Authorization header at hand already. */
export function readCredentialsWith(
  authorization: string | undefined,
  getHeader: (lowerCaseName: string) => string | undefined,
  query: string,
  opts: CredentialOptions,
): Credential | null {
  const token = authorization === undefined ? '' : bearerToken(authorization);
  if (token !== '') return { kind: classify(token, opts), value: token, source: 'authorization' };
  if (opts.apiKey) {
    const value = getHeader(opts.apiKeyHeader)?.trim();
    if (value) return { kind: 'api_key', value, source: 'api_key_header' };
  }
  if (opts.protocolPrefix !== undefined) {
    const offered = getHeader('sec-websocket-protocol');
    if (offered !== undefined) {
      for (const entry of offered.split(',')) {
        const protocol = entry.trim();
        if (
          protocol.startsWith(opts.protocolPrefix) &&
          protocol.length > opts.protocolPrefix.length
        ) {
          const value = protocol.slice(opts.protocolPrefix.length);
          return { kind: classify(value, opts), value, source: 'websocket_protocol', protocol };
        }
      }
    }
  }
  if (opts.queryParam !== undefined && query !== '') {
    const value = new URLSearchParams(query).get(opts.queryParam)?.trim();
    if (value) return { kind: classify(value, opts), value, source: 'query' };
  }
  return null;
}

/** The token after "Bearer" and its blanks, any case; '' for another scheme or no token. */
function bearerToken(authorization: string): string {
  if (!BEARER.test(authorization)) return '';
  let start = 6;
  for (let c = authorization.charCodeAt(start); c === 32 || c === 9;) {
    c = authorization.charCodeAt(++start);
  }
  return authorization.slice(start).trim();
}

/**
 * A value from a place both kinds can use: JWT-shaped values go to the JWT provider, the rest
 * to the API key provider. With only one provider, everything goes to it, so a wrong value gets
 * that provider's error rather than silence.
 */
function classify(value: string, opts: CredentialOptions): Credential['kind'] {
  if (!opts.apiKey) return 'jwt';
  if (!opts.jwt) return 'api_key';
  return JWT_SHAPE.test(value) ? 'jwt' : 'api_key';
}
