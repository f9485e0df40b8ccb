import { createOriginMatcher } from '../cors/origin-matcher.js';

/**
 * Decides whether a WebSocket upgrade may proceed given its Origin: null to let it through, or
 * the reason it is refused. `host` is the request's Host header, `withCookies` whether it
 * carries a Cookie header.
 */
export type SocketOriginCheck = (
  origin: string | undefined,
  host: string | undefined,
  withCookies: boolean,
) => string | null;

/**
 * Browsers send Origin on every WebSocket upgrade and let any page open one, so the Origin is
 * the only thing that tells the gateway's own pages from another site's (cross-site WebSocket
 * hijacking). Let through: upgrades without Origin (not a browser), the gateway's own origin
 * (its host and port as the Host header names them), and the listed origins (patterns as for
 * CORS). `"*"` admits any origin, but never an upgrade that carries cookies: the browser sends
 * the user's cookies whatever page opened the socket, so only a listed origin may use them.
 */
export function createSocketOriginCheck(allowed: readonly string[]): SocketOriginCheck {
  const anyOrigin = allowed.includes('*');
  const listed = allowed.filter((o) => o !== '*');
  const isListed = listed.length === 0 ? null : createOriginMatcher(listed);
  return function checkSocketOrigin(origin, host, withCookies) {
    if (origin === undefined) return null;
    if (host !== undefined && isOwnOrigin(origin, host)) return null;
    if (isListed !== null && isListed(origin)) return null;
    if (!anyOrigin) {
      return `origin ${quoted(origin)} may not open WebSocket connections on this route`;
    }
    if (withCookies) {
      return `origin ${quoted(origin)} is allowed only by "*", which never admits an upgrade that carries cookies; list the origin to accept it`;
    }
    return null;
  };
}

/** `scheme://host[:port]` names the host and port the request was sent to. */
function isOwnOrigin(origin: string, host: string): boolean {
  const start = origin.indexOf('://');
  if (start === -1) return false;
  const authority = origin.slice(start + 3);
  return authority.length === host.length && authority.toLowerCase() === host.toLowerCase();
}

/** Origins are client input: quoted and cut short in messages. */
function quoted(origin: string): string {
  return JSON.stringify(origin.length > 200 ? `${origin.slice(0, 200)}…` : origin);
}
