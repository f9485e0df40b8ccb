import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { AttemptEnd } from './attempt-observer.js';
import type { Exchange } from './exchange.js';
import { writeClientResponseHeaders } from './forward-headers.js';
import { responseDraft } from './response-draft.js';
import { EncodedBody } from './encoded-body.js';
import { finish, sendError, statusLine } from './respond.js';
import { upstreamError } from './upstream-error.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { HeldBody } from './upstream-envelope.js';

/**
 * undici refuses to send a request it finds malformed (a control character in a header value,
 * an invalid header name): the client's fault, answered 400 and never counted against the
 * upstream, since no upstream was asked.
 */
const REFUSED_BY_CLIENT_LIBRARY = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** Why an attempt failed before anything reached the client, as `retries.on` names it. */
export type AttemptFailure = 'connect_error' | 'reset' | 'timeout' | 502 | 503 | 504;

/** What the proxy handler learns from one attempt, each at most once. */
export interface AttemptHooks {
  /** The response head arrived (before any retry decision on its status). */
  responded(status: number): void;
  /**
   * The upstream's part is over: `failed` is true for a 5xx, a connection error or a timeout,
   * false for any other answer, null when the gateway or the client ended it; `end` says how.
   */
  settled(failed: boolean | null, end: AttemptEnd): void;
  /** Nothing reached the client yet: returns true when another attempt takes over. */
  retry(failure: AttemptFailure): boolean;
}

const RETRIED = new Error('the gateway retried this request elsewhere');

/** The try's wait for a response head ran out; read as undici's own headers timeout. */
const HEAD_TIMEOUT: Error & { code: string } = Object.assign(
  new Error('no response head in time'),
  { code: 'UND_ERR_HEADERS_TIMEOUT' },
);

/** undici's error codes, mapped to the names `retries.on` uses; null for the rest. */
function attemptFailure(err: Error & { code?: string }): AttemptFailure | null {
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect_error';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'timeout';
    default:
      return null;
  }
}

/**
 * Streams one upstream response to the client. Backpressure: when uWS cannot take a chunk, the
 * undici response is paused until uWS reports the socket writable again. A known Content-Length
 * goes out with tryEnd (uWS writes the length itself); otherwise the body is sent chunked.
 */
export class ProxyResponse implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  /** -1 when the upstream sent no Content-Length. */
  private totalLength = -1;
  private ended = false;
  /** The upstream finished while a chunk still waited for the client socket. */
  private endAfterDrain = false;
  private pending: Buffer | null = null;
  private pendingOffset = 0;
  /** The body goes through a compressor a response step chose; null sends it as it is. */
  private encoded: EncodedBody | null = null;
  /** The upstream's response headers, once they have arrived. */
  private upstreamHeaders: IncomingHttpHeaders | null = null;
  /** The body held to be sent in the envelope (`upstream_envelope`); null streams it. */
  private held: HeldBody | null = null;

  private settledOnce = false;
  /** Another attempt took over: nothing more from this one reaches the client. */
  private retried = false;
  /** The gateway aborted the request (client gone, body limit, retry): not the upstream's fault. */
  private abortedByGateway = false;

  constructor(
    private readonly ex: Exchange,
    private readonly upstream: string,
    /** The wait for the response head this try was given, for the 504's message. */
    private readonly headersTimeoutMs: number,
    private readonly hooks: AttemptHooks,
  ) {}

  /** Set when abort() comes before undici has started the request. */
  private abortReason: Error | null = null;

  private settle(failed: boolean | null, end: AttemptEnd): void {
    if (this.settledOnce) return;
    this.settledOnce = true;
    this.hooks.settled(failed, end);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  /** Called when the client goes away or the request body breaks a limit. */
  abort(reason: Error): void {
    this.abortedByGateway = true;
    this.encoded?.destroy();
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason;
  }

  /** The gateway's timer for the response head fired: the try fails as a `timeout`. */
  headTimedOut(): void {
    if (this.controller) this.controller.abort(HEAD_TIMEOUT);
    else this.abortReason = HEAD_TIMEOUT;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    const ex = this.ex;
    if (ex.aborted) return;
    this.hooks.responded(statusCode);
    if (
      (statusCode === 502 || statusCode === 503 || statusCode === 504) &&
      this.retryInstead(statusCode)
    ) {
      return;
    }
    ex.status = statusCode;
    this.upstreamHeaders = headers;
    ex.responseTap?.head(statusCode, headers);
    const length = headers['content-length'];
    if (length !== undefined) this.totalLength = Number(length);
    const noBody =
      ex.method === 'HEAD' || statusCode === 204 || statusCode === 304 || statusCode < 200;
    if (!noBody) {
      this.held = ex.route?.upstreamEnvelope?.open(headers) ?? null;
      return;
    }
    const endedAt = performance.now();
    ex.res.cork(() => {
      this.writeHead();
      if (length !== undefined && statusCode !== 204) ex.res.writeHeader('content-length', length);
      ex.res.endWithoutBody();
    });
    this.responseEnded(endedAt);
  }

  /**
   * The last byte went to the client: the request's duration ends here, not at undici's end.
   * `endedAt` is read just before that write, so no client can have the byte earlier.
   */
  private responseEnded(endedAt: number): void {
    this.ended = true;
    this.ex.responseEndedAt = endedAt;
  }

  /**
   * Status and headers wait for the first body chunk or the end, so that a small response
   * leaves in one corked write (one syscall) instead of two or three. Waiting costs a stream
   * nothing: uWS (v20.30) sends a head only together with body bytes in any case.
   */
  private writeHead(): void {
    const ex = this.ex;
    const chain = ex.chain;
    const headers = this.upstreamHeaders as IncomingHttpHeaders;
    ex.res.writeStatus(statusLine(ex.status));
    ex.res.writeHeader('x-request-id', ex.requestId);
    if (chain === null) {
      writeClientResponseHeaders(ex.res, headers, null);
    } else {
      // The steps run first: a header one of them removes never reaches uWS.
      const draft = responseDraft.openUpstream(ex.status, headers, this.totalLength);
      chain.respond(ex, draft);
      writeClientResponseHeaders(ex.res, headers, chain.ownsResponseHeader);
      const encoding = draft.writeAdded(ex.res);
      if (encoding !== null) {
        this.encoded = new EncodedBody(ex, encoding, (endedAt) => this.encodedEnded(endedAt));
        this.totalLength = -1;
      }
    }
    ex.headersSent = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, received: Buffer): void {
    const ex = this.ex;
    if (ex.aborted || this.ended || this.retried) return;
    let chunk = received;
    if (this.held !== null) {
      if (this.held.take(chunk)) return;
      // Larger than the envelope's bound: what was held goes out as it came, the rest streams.
      chunk = this.held.release();
      this.held = null;
    }
    ex.responseTap?.data(chunk);
    if (this.encoded !== null) {
      this.encoded.write(chunk, controller);
      return;
    }
    if (this.pending) {
      ex.bytesOut += chunk.length;
      this.pending = Buffer.concat([this.pending, chunk]);
      return;
    }
    ex.res.cork(() => {
      if (!ex.headersSent) this.writeHead();
      if (this.encoded !== null) {
        this.encoded.write(chunk, controller);
        return;
      }
      ex.bytesOut += chunk.length;
      if (this.totalLength >= 0) {
        const offset = ex.res.getWriteOffset();
        const endedAt = offset + chunk.length >= this.totalLength ? performance.now() : 0;
        const [ok, done] = ex.res.tryEnd(chunk, this.totalLength);
        if (done) this.responseEnded(endedAt || performance.now());
        else if (!ok) this.waitForDrain(controller, chunk, offset);
      } else if (!ex.res.write(chunk)) {
        this.waitForDrain(controller, null, 0);
      }
    });
  }

  private waitForDrain(
    controller: Dispatcher.DispatchController,
    unsent: Buffer | null,
    offset: number,
  ): void {
    this.pending = unsent;
    this.pendingOffset = offset;
    controller.pause();
    this.ex.res.onWritable((writeOffset) => this.drain(controller, writeOffset));
  }

  private drain(controller: Dispatcher.DispatchController, writeOffset: number): boolean {
    if (this.ex.aborted) return true;
    if (this.pending) {
      const endedAt = performance.now();
      const [ok, done] = this.ex.res.tryEnd(
        this.pending.subarray(writeOffset - this.pendingOffset),
        this.totalLength,
      );
      if (!ok && !done) return false;
      this.pending = null;
      if (done) this.responseEnded(endedAt);
    }
    if (this.endAfterDrain) {
      // The upstream already ended; a body shorter than its Content-Length cannot be completed.
      if (!this.ended) {
        this.ex.cut = true;
        this.ex.res.close();
      }
      finish(this.ex, this.ex.status, 0);
      return true;
    }
    // Even when the body is complete, undici must resume to deliver onResponseEnd.
    controller.resume();
    return true;
  }

  onResponseEnd(): void {
    const ex = this.ex;
    if (this.retried) return;
    this.settle(ex.status >= 500, ex.status);
    if (ex.aborted) {
      ex.responseTap?.fail();
      return;
    }
    if (this.held !== null && this.controller !== null) {
      const wrapped = this.held.wrap(ex);
      this.held = null;
      this.totalLength = wrapped.length;
      this.onResponseData(this.controller, wrapped);
    }
    ex.responseTap?.end();
    if (this.pending) {
      this.endAfterDrain = true;
      return;
    }
    if (!this.ended) {
      const endedAt = performance.now();
      ex.res.cork(() => {
        if (!ex.headersSent) this.writeHead();
        if (this.encoded === null) ex.res.end();
      });
      if (this.encoded !== null) {
        // Finished when the compressor has sent its last byte.
        this.encoded.end();
        return;
      }
      this.responseEnded(endedAt);
    }
    finish(ex, ex.status, 0);
  }

  private encodedEnded(endedAt: number): void {
    this.responseEnded(endedAt);
    finish(this.ex, this.ex.status, 0);
  }

  onResponseError(
    _controller: Dispatcher.DispatchController,
    err: Error & { code?: string },
  ): void {
    if (this.retried) return;
    this.ex.responseTap?.fail();
    this.encoded?.destroy();
    if (this.abortedByGateway) {
      // The client went away (nothing to answer) or its body broke a limit (err says which).
      this.settle(null, 'aborted');
      sendError(this.ex, upstreamError(err, this.upstream, this.headersTimeoutMs));
      return;
    }
    if (err.code !== undefined && REFUSED_BY_CLIENT_LIBRARY.has(err.code)) {
      this.settle(null, 'refused');
      sendError(this.ex, unsendableRequest());
      return;
    }
    const failure = attemptFailure(err);
    if (!this.ex.headersSent && failure !== null && this.retryInstead(failure)) return;
    this.settle(true, failure ?? 'error');
    sendError(this.ex, upstreamError(err, this.upstream, this.headersTimeoutMs));
  }

  /**
   * Hands the exchange to another attempt when the handler allows it. This attempt counts as a
   * failure and is aborted so its connection is not reused mid-response.
   */
  private retryInstead(failure: AttemptFailure): boolean {
    if (this.ex.aborted || !this.hooks.retry(failure)) return false;
    this.settle(true, failure);
    this.retried = true;
    this.abortedByGateway = true;
    this.controller?.abort(RETRIED);
    return true;
  }
}

function unsendableRequest(): GatewayError {
  return new GatewayError(
    'BAD_REQUEST',
    'the request cannot be forwarded: a header name or value holds a character HTTP does not allow',
  );
}
