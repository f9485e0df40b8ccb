import type { Readable } from 'node:stream';
import type { RouteHandler } from './compiled-route.js';
import type { PathRewriter } from './path-rewriter.js';
import type { TrustMatcher } from './trust-proxy.js';
import { isPeerTrusted } from './client-address.js';
import type { Endpoint } from '../upstream/endpoint.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { AttemptEnd, AttemptObserver, AttemptWatch } from './attempt-observer.js';
import type { Exchange, RequestSeries } from './exchange.js';
import { upstreamRequestHeaders, type RequestHeaderPolicy } from './forward-headers.js';
import { ProxyResponse, type AttemptFailure, type AttemptHooks } from './proxy-response.js';
import { bufferRequestBody, streamRequestBody } from './request-body.js';
import { sendError } from './respond.js';
import { breakerRefusal, noHealthyEndpoint } from './upstream-error.js';

export interface RetryPolicy {
  /** Tries in all, the first included; 1 disables retries. */
  attempts: number;
  on: ReadonlySet<AttemptFailure>;
  /** Methods retried without an Idempotency-Key. */
  methods: ReadonlySet<string>;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Request bodies up to this size are held in memory so that they can be sent again. */
  maxBufferBytes: number;
}

export interface ProxyOptions {
  group: UpstreamGroup;
  rewrite: PathRewriter;
  preserveHost: boolean;
  /** The route's `timeout`: the whole request's wait for a response head, across its tries. */
  timeoutMs: number;
  /** `retries.per_try_timeout`: one try's wait, cut to what is left of `timeoutMs`. */
  perTryTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  isTrustedProxy: TrustMatcher;
  headerPolicy: RequestHeaderPolicy;
  retry: RetryPolicy;
  /** The ConsistentHash key of a request; null when the upstream does not hash. */
  hashKey: ((ex: Exchange) => string | null) | null;
  /** The endpoint the request is bound to (a socket.io session's); null lets the balancer pick. */
  affinity?: () => Endpoint | null;
  /** The route's request series for this upstream; null when metrics are off. */
  metrics: RequestSeries | null;
  /** Metrics and trace spans of each attempt; null when both are off. */
  observer: AttemptObserver | null;
}

const CLIENT_ABORTED = new Error('client aborted the request');

/**
 * The gateway times the wait for a response head itself: undici's own headers timeout runs on a
 * coarse clock (half a second per tick), so `timeout: 300ms` fired after up to a second.
 */
function headWaitEnded(call: UpstreamCall): void {
  call.headWaitEnded();
}

/** The terminal step of a proxied route: pick an endpoint and stream the exchange through it. */
export function createProxyHandler(o: ProxyOptions): RouteHandler {
  const group = o.group;
  const metrics = o.metrics;
  return function proxy(ex, params, wildcard) {
    ex.upstreamName = group.name;
    if (metrics !== null) ex.metrics = metrics;
    const hashKey = o.hashKey === null ? null : o.hashKey(ex);
    const endpoint = o.affinity?.() ?? group.pick(hashKey, null);
    if (endpoint === null) {
      sendError(ex, noHealthyEndpoint(group.name));
      return;
    }
    const refusal = breakerRefusal(group);
    if (refusal !== null) {
      sendError(ex, refusal);
      return;
    }
    group.budget.recordRequest();
    const call = new UpstreamCall(ex, o, hashKey, o.rewrite(ex.path, params, wildcard));
    const retryable =
      o.retry.attempts > 1 &&
      (o.retry.methods.has(ex.method) || ex.header('idempotency-key') !== undefined);
    if (!ex.hasBody) {
      call.start(endpoint, null, retryable);
    } else if (ex.body !== null) {
      // Read whole by a step that checked it: these bytes, and no second read.
      call.start(endpoint, ex.body, retryable);
    } else if (retryable && !ex.chunked && ex.contentLength <= o.retry.maxBufferBytes) {
      ex.onAbort = () => call.abort(CLIENT_ABORTED);
      bufferRequestBody(
        ex,
        o.requestTimeoutMs,
        (body) => call.start(endpoint, body, true),
        (err) => {
          group.breaker?.release();
          sendError(ex, err);
        },
      );
    } else {
      // A streamed body can be read once: this request is not retried.
      const body = streamRequestBody(ex, o.maxBodyBytes, o.requestTimeoutMs, (err) => {
        call.abort(err);
        body.destroy(err);
      });
      call.start(endpoint, body, false);
    }
  };
}

/**
 * One client request's way through the upstream: its attempts, each on a chosen endpoint, the
 * breaker and outlier bookkeeping of each, and the move to another endpoint when one fails
 * before anything reached the client.
 */
class UpstreamCall implements AttemptHooks {
  private endpoint: Endpoint | null = null;
  /** The observer's handle on the attempt under way; null when metrics and tracing are off. */
  private watch: AttemptWatch | null = null;
  private response: ProxyResponse | null = null;
  private body: Buffer | Readable | null = null;
  private retryable = false;
  private tries = 0;
  private backoff: NodeJS.Timeout | null = null;
  /** `performance.now()` by which a response head must have arrived, whatever the tries. */
  private deadline = 0;
  /** Ends the current try's wait for its response head; null once the head is in. */
  private headTimer: NodeJS.Timeout | null = null;
  private readonly path: string;
  private readonly headers: string[];

  constructor(
    private readonly ex: Exchange,
    private readonly o: ProxyOptions,
    private readonly hashKey: string | null,
    path: string,
  ) {
    this.path = ex.query === '' ? path : `${path}?${ex.query}`;
    this.headers = upstreamRequestHeaders(ex, {
      preserveHost: o.preserveHost,
      trustedPeer: isPeerTrusted(ex, o.isTrustedProxy),
      headerPolicy: o.headerPolicy,
    });
  }

  start(endpoint: Endpoint, body: Buffer | Readable | null, retryable: boolean): void {
    this.body = body;
    this.retryable = retryable;
    this.deadline = performance.now() + this.o.timeoutMs;
    this.ex.onAbort = () => this.abort(CLIENT_ABORTED);
    this.send(endpoint);
  }

  abort(reason: Error): void {
    this.stopHeadTimer();
    if (this.backoff !== null) {
      // Between attempts (the body is buffered, so only the client can abort): nothing is in
      // flight upstream, and the request's breaker slot is returned.
      clearTimeout(this.backoff);
      this.backoff = null;
      this.o.group.breaker?.release();
      return;
    }
    this.response?.abort(reason);
    if (this.body !== null && !Buffer.isBuffer(this.body)) this.body.destroy();
  }

  private send(endpoint: Endpoint): void {
    this.tries++;
    this.endpoint = endpoint;
    endpoint.health.inFlight++;
    const watch =
      this.o.observer?.started(this.ex, endpoint, this.tries, this.path, this.headers) ?? null;
    this.watch = watch;
    const left = Math.max(1, Math.ceil(this.deadline - performance.now()));
    const cut = left < this.o.perTryTimeoutMs;
    const headersTimeout = cut ? left : this.o.perTryTimeoutMs;
    // The call is the attempt's hooks: one attempt is under way at a time. A try cut short by
    // the request's deadline reports that deadline when it times out.
    const response = new ProxyResponse(
      this.ex,
      this.o.group.name,
      cut ? this.o.timeoutMs : headersTimeout,
      this,
    );
    this.response = response;
    this.headTimer = setTimeout(headWaitEnded, headersTimeout, this);
    endpoint.pool.dispatch(
      {
        path: this.path,
        method: this.ex.method as 'GET',
        headers: watch === null ? this.headers : watch.headers,
        body: this.body,
        headersTimeout: 0,
        bodyTimeout: this.o.bodyTimeoutMs,
      },
      response,
    );
  }

  headWaitEnded(): void {
    this.headTimer = null;
    this.response?.headTimedOut();
  }

  private stopHeadTimer(): void {
    if (this.headTimer === null) return;
    clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  responded(status: number): void {
    this.stopHeadTimer();
    this.watch?.responded(status);
  }

  /**
   * Outlier detection judges each endpoint by each of its attempts; the breaker judges the
   * upstream by each request's outcome, so a try that failed on one endpoint and was retried
   * is left to the retry's verdict (one dead endpoint of three does not open the breaker).
   */
  settled(failed: boolean | null, end: AttemptEnd): void {
    this.stopHeadTimer();
    this.watch?.ended(end);
    const endpoint = this.endpoint as Endpoint;
    endpoint.health.inFlight--;
    const group = this.o.group;
    if (failed !== null) group.recordResult(endpoint, failed);
    if (this.backoff !== null) return;
    const breaker = group.breaker;
    if (breaker === null) return;
    if (failed === null) breaker.release();
    else if (failed) breaker.onFailure();
    else breaker.onSuccess();
  }

  /** Decided at once, so that a refused retry leaves the failed attempt to answer the client. */
  retry(failure: AttemptFailure): boolean {
    const { retry, group } = this.o;
    if (!this.retryable || this.tries >= retry.attempts || !retry.on.has(failure)) return false;
    if (this.ex.aborted) return false;
    if (!group.budget.tryRetry()) {
      this.o.observer?.budgetExhausted();
      return false;
    }
    const next = group.pick(this.hashKey, this.endpoint);
    if (next === null) return false;
    // The request keeps the breaker slot it took; an upstream judged failing meanwhile gets
    // no more tries from it.
    if (group.breaker?.state === 'open') return false;
    const ceiling = Math.min(retry.backoffMaxMs, retry.backoffBaseMs * 2 ** (this.tries - 1));
    const wait = Math.random() * ceiling;
    // A try needs some of the deadline left after its backoff (a millisecond at least).
    if (this.deadline - performance.now() < wait + 1) return false;
    this.ex.retries++;
    this.o.observer?.retried();
    this.backoff = setTimeout(() => {
      this.backoff = null;
      this.send(next);
    }, wait);
    return true;
  }
}
