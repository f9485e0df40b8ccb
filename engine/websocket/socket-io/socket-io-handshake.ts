import type { Dispatcher } from 'undici';
import { isPeerTrusted } from '../../data-plane/client-address.js';
import type { Exchange, RequestSeries } from '../../data-plane/exchange.js';
import {
  upstreamRequestHeaders,
  type RequestHeaderPolicy,
} from '../../data-plane/forward-headers.js';
import { HOP_BY_HOP_HEADERS } from '../../data-plane/hop-by-hop-headers.js';
import { sendError, sendPrepared, statusLine } from '../../data-plane/respond.js';
import type { TrustMatcher } from '../../data-plane/trust-proxy.js';
import {
  breakerRefusal,
  noHealthyEndpoint,
  upstreamError,
} from '../../data-plane/upstream-error.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Endpoint } from '../../upstream/endpoint.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import { endpointTag } from './endpoint-tag.js';
import { tagOpenPacket } from './tag-open-packet.js';

export interface HandshakeOptions {
  group: UpstreamGroup;
  /** The route's deadline for the upstream's whole answer. */
  timeoutMs: number;
  preserveHost: boolean;
  isTrustedProxy: TrustMatcher;
  headerPolicy: RequestHeaderPolicy;
  /** The route's request series for this upstream; null when metrics are off. */
  metrics: RequestSeries | null;
}

/** An open packet is about 120 bytes; an answer larger than this is not one. */
const MAX_ANSWER_BYTES = 16 * 1024;

/** Set by the gateway from the body it sends, or by the gateway for every answer. */
const NOT_COPIED = new Set([...HOP_BY_HOP_HEADERS, 'content-length', 'x-request-id']);

/**
 * The opening request of an engine.io session over long-polling (no `sid` yet): the balancer
 * picks the endpoint, which issues the sid, and the gateway puts that endpoint's tag before the
 * sid in the answer. Every later request of the session carries the tagged sid and so reaches
 * the same endpoint, on any gateway instance, with no state kept.
 */
export function createSocketIoHandshake(
  o: HandshakeOptions,
): (ex: Exchange, path: string, hashKey: string | null) => void {
  const group = o.group;
  return function handshake(ex, path, hashKey) {
    ex.upstreamName = group.name;
    if (o.metrics !== null) ex.metrics = o.metrics;
    const endpoint = group.pick(hashKey, null);
    if (endpoint === null) {
      sendError(ex, noHealthyEndpoint(group.name));
      return;
    }
    const refusal = breakerRefusal(group);
    if (refusal !== null) {
      sendError(ex, refusal);
      return;
    }
    // The answer is read whole to tag it: an encoded one could not be.
    const headers = upstreamRequestHeaders(ex, {
      preserveHost: o.preserveHost,
      trustedPeer: isPeerTrusted(ex, o.isTrustedProxy),
      headerPolicy: o.headerPolicy,
    }).filter(notAcceptEncoding);
    const abort = new AbortController();
    ex.onAbort = () => abort.abort();
    endpoint.health.inFlight++;
    endpoint.pool
      .request({
        path: ex.query === '' ? path : `${path}?${ex.query}`,
        method: 'GET',
        headers,
        signal: abort.signal,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      })
      .then((res) => readAnswer(res))
      .then(
        (answer) => {
          settle(o.group, endpoint, answer.status >= 500);
          answered(ex, endpoint, answer);
        },
        (err: Error & { code?: string }) => {
          settle(o.group, endpoint, ex.aborted ? null : true);
          ex.onAbort = null;
          sendError(ex, upstreamError(err, group.name, o.timeoutMs));
        },
      );
  };
}

/** The flat [name, value, ...] header list without Accept-Encoding (name and its value). */
function notAcceptEncoding(_entry: string, i: number, list: string[]): boolean {
  const name = i % 2 === 0 ? list[i] : list[i - 1];
  return name !== 'accept-encoding';
}

interface Answer {
  status: number;
  headers: Array<readonly [string, string]>;
  body: Buffer;
}

async function readAnswer(res: Dispatcher.ResponseData): Promise<Answer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_ANSWER_BYTES) {
      res.body.destroy();
      throw new GatewayError(
        'BAD_GATEWAY',
        `the socket.io handshake answer is larger than ${MAX_ANSWER_BYTES} bytes`,
      );
    }
    chunks.push(chunk);
  }
  const headers: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || NOT_COPIED.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.push([name, v]);
  }
  return { status: res.statusCode, headers, body: Buffer.concat(chunks, length) };
}

function answered(ex: Exchange, endpoint: Endpoint, answer: Answer): void {
  ex.onAbort = null;
  const tagged =
    answer.status === 200
      ? tagOpenPacket(answer.body.toString('utf8'), endpointTag(endpoint))
      : null;
  sendPrepared(ex, {
    status: statusLine(answer.status),
    statusCode: answer.status,
    headers: answer.headers,
    body: tagged === null ? answer.body : Buffer.from(tagged, 'utf8'),
  });
}

/** The breaker and outlier bookkeeping of the attempt; `failed` null when the client left. */
function settle(group: UpstreamGroup, endpoint: Endpoint, failed: boolean | null): void {
  endpoint.health.inFlight--;
  const breaker = group.breaker;
  if (failed === null) breaker?.release();
  else if (failed) breaker?.onFailure();
  else breaker?.onSuccess();
  if (failed !== null) group.recordResult(endpoint, failed);
}
