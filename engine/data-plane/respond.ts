import { STATUS_CODES } from 'node:http';
import { errorBody, type GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from './exchange.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

const statusLines = new Map<number, string>();

/** "404 Not Found": uWS wants the whole status line; built once per code. */
export function statusLine(status: number, message?: string): string {
  if (message) return `${status} ${message}`;
  let line = statusLines.get(status);
  if (!line) statusLines.set(status, (line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`));
  return line;
}

/**
 * Answers with the gateway's JSON error. Once headers are out the status can no longer change,
 * so the connection is cut instead: the client sees a truncated response, never a hang.
 * `envelope` is the route's shape; a request no route took passes its table's.
 */
export function sendError(
  ex: Exchange,
  err: GatewayError,
  envelope = ex.route !== null && ex.route.envelope,
): void {
  if (ex.aborted || ex.finished) return;
  if (ex.headersSent) {
    abortResponse(ex);
    return;
  }
  const body = errorBody(err, ex.requestId, envelope, ex.upstreamName);
  // The client may still be sending a body we will not read, or one whose end is in doubt: end
  // the connection with the answer.
  const closeConnection =
    err.code === 'PAYLOAD_TOO_LARGE' ||
    err.code === 'REQUEST_TIMEOUT' ||
    err.code === 'AMBIGUOUS_REQUEST';
  ex.res.cork(() => {
    ex.res.writeStatus(statusLine(err.status));
    ex.res.writeHeader('content-type', 'application/json');
    ex.res.writeHeader('x-request-id', ex.requestId);
    for (const [name, value] of err.headers) ex.res.writeHeader(name, value);
    writeRouteHeaders(ex, null);
    ex.res.end(body, closeConnection);
  });
  finish(ex, err.status, body.length);
}

export interface PreparedResponse {
  status: string;
  statusCode: number;
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer;
}

export function sendPrepared(ex: Exchange, response: PreparedResponse): void {
  if (ex.aborted || ex.finished) return;
  ex.res.cork(() => {
    ex.res.writeStatus(response.status);
    ex.res.writeHeader('x-request-id', ex.requestId);
    for (const [name, value] of response.headers) ex.res.writeHeader(name, value);
    writeRouteHeaders(ex, response.headers);
    if (ex.method === 'HEAD') ex.res.endWithoutBody(response.body.length);
    else ex.res.end(response.body);
  });
  finish(ex, response.statusCode, ex.method === 'HEAD' ? 0 : response.body.length);
}

/**
 * The headers the route adds to any response: its own (CORS, rate limit) always, and its
 * defaults (security headers) unless the response already has that header.
 */
export function writeRouteHeaders(
  ex: Exchange,
  has: ((name: string) => boolean) | HeaderList | null,
): void {
  if (ex.responseHeaders !== null)
    for (const [name, value] of ex.responseHeaders) ex.res.writeHeader(name, value);
  const defaults = ex.defaultHeaders;
  if (defaults.length === 0) return;
  const present =
    has === null
      ? null
      : typeof has === 'function'
        ? has
        : (name: string) => has.some(([n]) => n.toLowerCase() === name);
  for (const [name, value] of defaults) {
    if (present === null || !present(name)) ex.res.writeHeader(name, value);
  }
}

export function abortResponse(ex: Exchange): void {
  if (ex.aborted || ex.finished) return;
  ex.res.close();
  ex.aborted = true;
  finish(ex, ex.status, 0);
}

export function finish(ex: Exchange, status: number, bodyBytes: number): void {
  if (ex.finished) return;
  ex.finished = true;
  ex.status = status;
  ex.bytesOut += bodyBytes;
  ex.onFinish(ex);
}
