import { TAG_SEPARATOR } from './endpoint-tag.js';

/** What a socket.io request's query says about its engine.io session. */
export interface SessionQuery {
  /** Whether the request names a session (`sid`): every request but the opening handshake. */
  hasSid: boolean;
  /** The endpoint tag the gateway put before the sid; null when the sid carries none. */
  tag: string | null;
  /** The query for the upstream: the sid as its endpoint issued it, the credential removed. */
  query: string;
}

/**
 * Reads the `sid` of an engine.io request and takes the gateway's endpoint tag off it, and
 * removes the query parameter that carried the client's credential. The other parameters are
 * kept byte for byte.
 */
export function readSessionQuery(query: string, credentialParam: string | null): SessionQuery {
  if (query === '') return { hasSid: false, tag: null, query };
  let hasSid = false;
  let tag: string | null = null;
  const kept: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key === 'sid' && !hasSid) {
      hasSid = true;
      const value = pair.slice(eq + 1);
      const at = eq === -1 ? -1 : value.indexOf(TAG_SEPARATOR);
      if (at > 0) {
        tag = value.slice(0, at);
        kept.push(`sid=${value.slice(at + 1)}`);
        continue;
      }
    } else if (credentialParam !== null && safeDecode(key) === credentialParam) {
      continue;
    }
    kept.push(pair);
  }
  return { hasSid, tag, query: kept.join('&') };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
