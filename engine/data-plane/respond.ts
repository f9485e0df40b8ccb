import { STATUS_CODES } from 'node:http';
import { errorBody, type GatewayError } from '../errors/gateway-error.js';
import type { HttpResponse } from 'uWebSockets.js';
import type { Exchange } from './exchange.js';
import type { ResponseHead } from './filter-chain.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

const NO_HEADERS: HeaderList = Object.freeze([]);

const statusLines = new Map<number, string>();

/** "404 Not Found": uWS wants the whole status line; built once per code. */
export function statusLine(status: number): string {
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
  ex.responseEndedAt = performance.now();
  ex.res.cork(() => {
    ex.res.writeStatus(statusLine(err.status));
    ex.res.writeHeader('content-type', 'application/json');
    ex.res.writeHeader('x-request-id', ex.requestId);
    for (const [name, value] of err.headers) ex.res.writeHeader(name, value);
    writeRouteHeaders(ex, err.status, err.headers);
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
  ex.responseEndedAt = performance.now();
  ex.res.cork(() => {
    ex.res.writeStatus(response.status);
    ex.res.writeHeader('x-request-id', ex.requestId);
    for (const [name, value] of response.headers) ex.res.writeHeader(name, value);
    writeRouteHeaders(ex, response.statusCode, response.headers);
    if (ex.method === 'HEAD') ex.res.endWithoutBody(response.body.length);
    else ex.res.end(response.body);
  });
  finish(ex, response.statusCode, ex.method === 'HEAD' ? 0 : response.body.length);
}

/**
 * A gateway answer's head for the route's response steps: what it carries is `headers` (with
 * content-type and x-request-id, which no step sets). One object, reused: answers are written
 * synchronously, inside one cork.
 */
class AnswerHead implements ResponseHead {
  status = 0;
  res: HttpResponse | null = null;
  headers: HeaderList = [];

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get(name: string): string | undefined {
    const headers = this.headers;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as readonly [string, string];
      if (header[0].toLowerCase() === name) return header[1];
    }
    return undefined;
  }

  readonly fromUpstream = false;

  add(name: string, value: string): void {
    (this.res as HttpResponse).writeHeader(name, value);
  }
}

const answerHead = new AnswerHead();

/** Runs the route's response steps on an answer the gateway makes itself. */
function writeRouteHeaders(ex: Exchange, status: number, headers: HeaderList): void {
  const chain = ex.chain;
  if (chain === null) return;
  answerHead.status = status;
  answerHead.res = ex.res;
  answerHead.headers = headers;
  chain.respond(ex, answerHead);
  answerHead.res = null;
  answerHead.headers = NO_HEADERS;
}

export function abortResponse(ex: Exchange): void {
  if (ex.aborted || ex.finished) return;
  if (ex.headersSent) ex.cut = true;
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
