import { pino } from 'pino';
import type { Exchange } from '../data-plane/exchange.js';
import type { Logger } from './logger.js';
import { NO_VALUE } from './no-value.js';

const { chindingsSym, endSym, lsCacheSym, needsMetadataGsym, streamSym, timeSym } = pino.symbols;

/**
 * One line per finished request, with the route's name and the caller's subject, never the raw
 * credentials, headers or query string. Route and upstream are always there (NO_VALUE when there
 * is none, as in the metrics); other fields without a value (no auth, no rate limit, tracing off)
 * are left out.
 *
 * The line is written as pino writes an `info` line of this logger (its level, time and bindings
 * first, then the fields, then the message), but straight from the exchange: pino's generic path
 * walks an object made for the purpose and its redaction re-reads every path per line, about
 * 2.5 KB and 90 KB of garbage per request (createLogger sets no mixin, hook or formatter that
 * this would bypass). The level stays the logger's, which a reload may change.
 */
export function createAccessLog(logger: Logger): (ex: Exchange, durationMs: number) => void {
  const lines = logger.child({}, { redact: [], level: 'info' });
  // What pino reads to write a line of this logger, under the symbols it exports for that.
  const own = lines as unknown as Record<symbol, unknown>;
  const stream = own[streamSym] as pino.DestinationStream;
  // A destination that reads the level and object of each line (multistream) gets pino's path.
  if ((stream as unknown as Record<symbol, unknown>)[needsMetadataGsym] === true) {
    return function logAccess(ex, durationMs) {
      if (logger.isLevelEnabled('info')) lines.info(fields(ex, durationMs), 'request');
    };
  }
  const levelStart = (own[lsCacheSym] as Record<number, string>)[pino.levels.values.info as number];
  const time = own[timeSym] as () => string;
  const bindings = own[chindingsSym] as string;
  const end = `,"msg":"request"${own[endSym] as string}`;
  return function logAccess(ex, durationMs) {
    if (!logger.isLevelEnabled('info')) return;
    const limit = ex.rateLimit;
    const identity = ex.identity;
    let line = `${levelStart}${time()}${bindings},"request_id":${jsonString(ex.requestId)}`;
    if (ex.trace !== null) line += `,"trace_id":${jsonString(ex.trace.traceId)}`;
    line +=
      `,"method":${jsonString(ex.method)},"path":${jsonString(ex.path)}` +
      `,"route":${jsonString(ex.routeName || NO_VALUE)}` +
      `,"upstream":${jsonString(ex.upstreamName || NO_VALUE)},"status":${ex.reportedStatus}`;
    if (ex.cut) line += ',"cut":true';
    line +=
      `,"duration_ms":${finite(Math.round(durationMs * 1000) / 1000)}` +
      `,"bytes_in":${ex.bytesIn},"bytes_out":${ex.bytesOut},"client":${jsonString(ex.peerAddress)}`;
    if (identity !== null) {
      line += `,"subject":${jsonString(identity.subject)},"auth_method":${jsonString(identity.method)}`;
    }
    line += `,"retries":${ex.retries}`;
    if (limit !== null) {
      line += `,"rate_limit":"${limit.allowed ? 'allowed' : 'refused'}"`;
      if (limit.degraded !== undefined) line += `,"rate_limit_fallback":"${limit.degraded}"`;
    }
    stream.write(line + end);
  };
}

/** The line's fields as an object, for pino's own path. */
function fields(ex: Exchange, durationMs: number): Record<string, unknown> {
  const limit = ex.rateLimit;
  return {
    request_id: ex.requestId,
    trace_id: ex.trace?.traceId,
    method: ex.method,
    path: ex.path,
    route: ex.routeName || NO_VALUE,
    upstream: ex.upstreamName || NO_VALUE,
    status: ex.reportedStatus,
    cut: ex.cut ? true : undefined,
    // To the microsecond: the figure the metrics and the span were given.
    duration_ms: Math.round(durationMs * 1000) / 1000,
    bytes_in: ex.bytesIn,
    bytes_out: ex.bytesOut,
    client: ex.peerAddress,
    subject: ex.identity?.subject,
    auth_method: ex.identity?.method,
    retries: ex.retries,
    rate_limit: limit === null ? undefined : limit.allowed ? 'allowed' : 'refused',
    rate_limit_fallback: limit?.degraded,
  };
}

/** A number as pino writes one: null when it is not finite. */
function finite(value: number): number | 'null' {
  return Number.isFinite(value) ? value : 'null';
}

/** A JSON string as pino writes one: escaped by JSON.stringify when it needs more than quotes. */
function jsonString(value: string): string {
  if (value.length > 100) return JSON.stringify(value);
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 32) return JSON.stringify(value);
    if (code === 34 || code === 92) plain = false;
  }
  return plain ? `"${value}"` : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
