import type { DirectResponseConfig } from '../config/gateway-config.js';
import type { RouteHandler } from './compiled-route.js';
import { sendPrepared, statusLine, type PreparedResponse } from './respond.js';

/** Builds the whole response once; a request only writes it. */
export function prepareResponse(config: DirectResponseConfig): PreparedResponse {
  const isText = typeof config.body === 'string';
  const body = Buffer.from(
    isText ? (config.body as string) : config.body === undefined ? '' : JSON.stringify(config.body),
  );
  const headers = Object.entries(config.headers ?? {}).map(
    ([k, v]) => [k.toLowerCase(), v] as const,
  );
  if (config.body !== undefined && !headers.some(([k]) => k === 'content-type')) {
    headers.push(['content-type', isText ? 'text/plain; charset=utf-8' : 'application/json']);
  }
  return { status: statusLine(config.status), statusCode: config.status, headers, body };
}

export function createDirectResponse(config: DirectResponseConfig): RouteHandler {
  const response = prepareResponse(config);
  return function directResponse(ex) {
    sendPrepared(ex, response);
  };
}
