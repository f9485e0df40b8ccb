import { STATUS_CODES } from 'node:http';
import { errorBody, type GatewayError } from '../errors/gateway-error.js';
import type { HttpResponse } from 'uWebSockets.js';
import type { Exchange } from './exchange.js';
import type { BodyEncoding } from './filter-chain.js';
import { responseDraft, type HeaderList } from './response-draft.js';

const NO_HEADERS: HeaderList = Object.freeze([]);
const JSON_CONTENT: HeaderList = Object.freeze([['content-type', 'application/json'] as const]);

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
  let sent = body.length;
  ex.res.cork(() => {
    ex.res.writeStatus(statusLine(err.status));
    ex.res.writeHeader('x-request-id', ex.requestId);
    const encoding = writeAnswerHeaders(ex, err.status, JSON_CONTENT, err.headers, body.length);
    if (encoding === null) ex.res.end(body, closeConnection);
    else {
      const encoded = encoding.encodeAll(body);
      sent = encoded.length;
      ex.res.end(encoded, closeConnection);
    }
  });
  finish(ex, err.status, sent);
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
  let body = response.body;
  ex.res.cork(() => {
    ex.res.writeStatus(response.status);
    ex.res.writeHeader('x-request-id', ex.requestId);
    const encoding = writeAnswerHeaders(
      ex,
      response.statusCode,
      NO_HEADERS,
      response.headers,
      body.length,
    );
    if (encoding !== null) body = encoding.encodeAll(body);
    if (ex.method === 'HEAD') ex.res.endWithoutBody(body.length);
    // A 304 has no body, and a Content-Length of 0 would misstate the one it stands for.
    else if (response.statusCode === 304) ex.res.endWithoutBody();
    else ex.res.end(body);
  });
  finish(ex, response.statusCode, ex.method === 'HEAD' ? 0 : body.length);
}

/**
 * Writes a gateway answer's headers (lower-case names): through the route's response steps when
 * the request went through a chain, else as they are. Returns the coding a step chose for the
 * body, if any.
 */
function writeAnswerHeaders(
  ex: Exchange,
  status: number,
  contentType: HeaderList,
  headers: HeaderList,
  bodyLength: number,
): BodyEncoding | null {
  const res = ex.res;
  const chain = ex.chain;
  if (chain === null) {
    writeHeaders(res, contentType, null);
    writeHeaders(res, headers, null);
    return null;
  }
  const draft = responseDraft.openAnswer(status, contentType, headers, bodyLength);
  chain.respond(ex, draft);
  writeHeaders(res, contentType, draft);
  writeHeaders(res, headers, draft);
  return draft.writeAdded(res);
}

function writeHeaders(
  res: HttpResponse,
  headers: HeaderList,
  draft: typeof responseDraft | null,
): void {
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as readonly [string, string];
    if (draft === null || !draft.removes(name)) res.writeHeader(name, value);
  }
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
