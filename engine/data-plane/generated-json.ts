import type { Exchange } from './exchange.js';
import { sendPrepared, statusLine } from './respond.js';

/**
 * Answers the gateway generates are never cached: token responses must not be (RFC 6749
 * section 5.1), and health or state answers are only true at the moment they are made.
 */
const JSON_HEADERS = [
  ['content-type', 'application/json'],
  ['cache-control', 'no-store'],
] as const;

/**
 * The one way the gateway answers a request with JSON of its own (identity endpoints, /health,
 * the hub's endpoints): `body` as it is, or, when the route's table has `response_envelope`,
 * seed 004's `{success, data: body, timestamp, request_id}` (`success` false for a 4xx or 5xx,
 * such as a health answer that reports an outage).
 */
export function sendJson(ex: Exchange, status: number, body: unknown): void {
  const text =
    ex.route !== null && ex.route.envelope
      ? JSON.stringify({
          success: status < 400,
          data: body,
          timestamp: new Date().toISOString(),
          request_id: ex.requestId,
        })
      : JSON.stringify(body);
  sendPrepared(ex, {
    status: statusLine(status),
    statusCode: status,
    headers: JSON_HEADERS,
    body: Buffer.from(text),
  });
}
