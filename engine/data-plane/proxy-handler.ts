import type { Readable } from 'node:stream';
import type { RouteHandler } from '../compile/compiled-route.js';
import type { PathRewriter } from '../compile/path-rewriter.js';
import type { TrustMatcher } from '../compile/trust-proxy.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { ProxyResponse } from './proxy-response.js';
import { streamRequestBody } from './request-body.js';

export interface ProxyOptions {
  group: UpstreamGroup;
  rewrite: PathRewriter;
  preserveHost: boolean;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  isTrustedProxy: TrustMatcher;
}

const CLIENT_ABORTED = new Error('client aborted the request');

/** The terminal step of a proxied route: pick an endpoint and stream the exchange through it. */
export function createProxyHandler(o: ProxyOptions): RouteHandler {
  const upstream = o.group.name;
  return function proxy(ex, params, wildcard) {
    ex.upstreamName = upstream;
    const endpoint = o.group.pick();
    const response = new ProxyResponse(ex, upstream, o.headersTimeoutMs);
    let body: Readable | null = null;
    if (ex.hasBody) {
      const stream = streamRequestBody(ex, o.maxBodyBytes, o.requestTimeoutMs, (err) => {
        response.abort(err);
        stream.destroy(err);
      });
      body = stream;
    }
    ex.onAbort = () => {
      response.abort(CLIENT_ABORTED);
      body?.destroy();
    };
    const path = o.rewrite(ex.path, params, wildcard);
    endpoint.pool.dispatch(
      {
        path: ex.query === '' ? path : `${path}?${ex.query}`,
        method: ex.method as 'GET',
        headers: upstreamRequestHeaders(ex, {
          preserveHost: o.preserveHost,
          trustedPeer: o.isTrustedProxy(ex.peerAddress),
        }),
        body,
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
      },
      response,
    );
  };
}
