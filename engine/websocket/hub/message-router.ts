import type { Dispatcher } from 'undici';
import type { MessageRoute } from './hub-settings.js';
import type { HubErrorCode } from './hub-protocol.js';

/** Largest upstream reply relayed on the socket. */
const MAX_REPLY_BYTES = 1024 * 1024;

export type RouteReply =
  | { ok: true; status: number; data: unknown }
  | { ok: false; code: HubErrorCode; message: string; status?: number };

/**
 * Forwards one routed client message: a POST of the message as JSON, with the identity headers,
 * to an endpoint the upstream's balancer picks, under its circuit breaker. The reply body (JSON,
 * or text) comes back for the socket; failures come back as hub error codes, never thrown.
 */
export async function forwardMessage(
  route: MessageRoute,
  body: string,
  headers: Record<string, string>,
): Promise<RouteReply> {
  const { group } = route;
  const breaker = group.breaker;
  if (breaker !== null && !breaker.tryAcquire()) {
    return {
      ok: false,
      code: 'SERVICE_UNAVAILABLE',
      message: `upstream "${route.upstream}" is failing; its circuit breaker is open`,
    };
  }
  const endpoint = group.pick(null);
  if (endpoint === null) {
    breaker?.release();
    return {
      ok: false,
      code: 'SERVICE_UNAVAILABLE',
      message: `upstream "${route.upstream}" has no healthy endpoint`,
    };
  }
  endpoint.health.inFlight++;
  let failed = true;
  try {
    const response: Dispatcher.ResponseData = await endpoint.pool.request({
      path: route.path,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      headersTimeout: route.timeoutMs,
      bodyTimeout: route.timeoutMs,
    });
    const text = await readLimited(response.body);
    failed = response.statusCode >= 500;
    const data = parseReply(text, response.headers['content-type']);
    if (response.statusCode >= 400) {
      return {
        ok: false,
        code: 'UPSTREAM_ERROR',
        message:
          typeof data === 'string' && data !== ''
            ? data
            : `upstream answered ${response.statusCode}`,
        status: response.statusCode,
      };
    }
    return { ok: true, status: response.statusCode, data };
  } catch (err) {
    const timeout =
      (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT' ||
      (err as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
    return timeout
      ? {
          ok: false,
          code: 'UPSTREAM_TIMEOUT',
          message: `upstream "${route.upstream}" did not answer in time`,
        }
      : {
          ok: false,
          code: 'BAD_GATEWAY',
          message: `upstream "${route.upstream}" cannot be reached`,
        };
  } finally {
    endpoint.health.inFlight--;
    if (breaker !== null) {
      if (failed) breaker.onFailure();
      else breaker.onSuccess();
    }
    group.recordResult(endpoint, failed);
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    if (bytes > MAX_REPLY_BYTES) {
      body.destroy();
      throw new Error('reply too large');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseReply(text: string, contentType: string | string[] | undefined): unknown {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type?.includes('json') && text !== '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
