/** The methods the HTTP semantic conventions know; any other is reported as `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** The method a span is named by: the request's own when known, else `HTTP`. */
export function spanMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'HTTP';
}

/**
 * `server.address` and `server.port` from a Host header (`[::1]:8080`, `api.example:443`,
 * `example.com`); null when there is none. Without a port the scheme's default (http: 80).
 */
export function hostAndPort(host: string): { address: string; port: number } | null {
  if (host === '') return null;
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.lastIndexOf(':');
  if (bracket > 0) {
    const port = host[bracket + 1] === ':' ? Number(host.slice(bracket + 2)) : 80;
    return { address: host.slice(1, bracket), port: Number.isInteger(port) ? port : 80 };
  }
  if (colon < 0) return { address: host, port: 80 };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) ? port : 80 };
}

/**
 * A request target for `url.full` with every query value replaced by `REDACTED`: a query may
 * carry a token or a signature, and which parameters were sent is what a trace needs.
 */
export function redactQuery(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const params = target
    .slice(q + 1)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      return eq < 0 ? param : `${param.slice(0, eq)}=REDACTED`;
    });
  return `${target.slice(0, q)}?${params.join('&')}`;
}
