import type { RouteConfig } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { RouteHandler } from './compiled-route.js';
import type { Exchange } from './exchange.js';
import { discardRequestBody, holdRequestBody } from './request-body.js';
import { sendError, sendPrepared, type PreparedResponse } from './respond.js';

/**
 * What a request step answers instead of letting the request go on: the gateway's JSON error,
 * or a response prepared at compile time (a CORS preflight's 204).
 */
export type Stop = GatewayError | PreparedResponse;

/** A request step's decision: null lets the request go on to the next step. */
export type Verdict = Stop | null;

/**
 * A filter's request side. A step that can decide at once returns its verdict (no promise, no
 * closure per request); one that must wait (a credential store, a Redis-counted limit) returns
 * a promise of it.
 */
export type RequestStep = (ex: Exchange) => Verdict | Promise<Verdict>;

/**
 * The head of a response while the route's response steps shape it, before any of it is
 * written. Header names are lower case.
 */
export interface ResponseHead {
  readonly status: number;
  /** The response carries this header now: from the upstream or the gateway, or added by a step. */
  has(name: string): boolean;
  /** The header's value now (several joined by ", "); undefined when the response has none. */
  get(name: string): string | undefined;
  /** Adds one more value of a header. */
  add(name: string, value: string): void;
  /**
   * Drops every value of a header the response carries now: the upstream's, the gateway's own
   * and those earlier steps added (a later step may add it again). The framing headers and
   * X-Request-ID are the gateway's and never reach a step.
   */
  remove(name: string): void;
  /** The body's size in bytes when known before it is sent (Content-Length), else -1. */
  readonly bodyLength: number;
  /**
   * Sends the body encoded (compressed): the response loses its Content-Length and gets
   * Content-Encoding; the last step to ask wins.
   */
  encodeBody(encoding: BodyEncoding): void;
}

/** A content coding a response step can ask for (gzip, br), made once per route. */
export interface BodyEncoding {
  /** The Content-Encoding token. */
  readonly name: string;
  /** A fresh stream for one streamed body. */
  createStream(): import('node:stream').Transform;
  /** Encodes a whole body at once: the gateway's own answers, already in memory. */
  encodeAll(body: Buffer | string): Buffer;
}

/**
 * A filter's response side: runs on every response the route gives, proxied or answered by the
 * gateway (a refusal of an earlier filter included), in the reverse order of the request side.
 * It reads the exchange to know what its request side did.
 */
export type ResponseStep = (ex: Exchange, head: ResponseHead) => void;

/** Changes a filter makes to the header list sent upstream; fixed when the route is compiled. */
export interface UpstreamHeaderEdits {
  /** Lower-case names of client headers never forwarded. */
  dropped: readonly string[];
  /** Headers added, as [name, value, ...] with lower-case names. */
  added: readonly string[];
}

/** One filter as built for one route, once per table. */
export interface RouteFilter {
  /** What `gatewayd routes` lists for it, such as "auth jwt roles=admin". */
  readonly descriptions: readonly string[];
  readonly request: RequestStep | null;
  readonly response: ResponseStep | null;
  /** Upstream response headers the filter writes itself: the upstream's copies are dropped. */
  readonly ownsResponseHeader: ((name: string) => boolean) | null;
  readonly upstreamHeaders: UpstreamHeaderEdits | null;
}

export interface ChainOptions {
  /** A refused request's body is read and dropped up to this size, so the client reads the answer. */
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** A step that failed unexpectedly (a bug, not a refusal): logged, answered with a 500. */
  onInternalError: (err: unknown, ex: Exchange) => void;
}

const INTERNAL = new GatewayError('INTERNAL_ERROR', 'the gateway failed to check this request');

/** Builds the chain of the filters a route's config asks for in front of its terminal step. */
export type ChainBuilder = (
  rc: RouteConfig,
  routeName: string,
  terminal: RouteHandler,
) => RouteChain;

/**
 * A route's filters in request order and its terminal step (the proxy, a handler), composed
 * once per table. Request steps run in order until one stops the request or all let it go on;
 * response steps run in reverse on whatever response the request gets. Requests only walk
 * arrays: no closure or promise is made unless a step waits.
 */
export class RouteChain {
  readonly descriptions: readonly string[];
  /** Upstream response headers some filter of the chain writes itself; null when none does. */
  readonly ownsResponseHeader: ((name: string) => boolean) | null;
  private readonly requests: readonly RequestStep[];
  /** Last filter first. */
  private readonly responses: readonly ResponseStep[];

  constructor(
    readonly filters: readonly RouteFilter[],
    private readonly terminal: RouteHandler,
    private readonly options: ChainOptions,
  ) {
    this.descriptions = filters.flatMap((f) => f.descriptions);
    this.requests = filters.flatMap((f) => (f.request === null ? [] : [f.request]));
    this.responses = filters.flatMap((f) => (f.response === null ? [] : [f.response])).reverse();
    this.ownsResponseHeader = ownsAny(filters);
  }

  /** The route handler: what the router hands a matched request to. */
  readonly handle: RouteHandler = (ex, params, wildcard) => {
    ex.chain = this;
    ex.params = params;
    ex.wildcard = wildcard;
    this.run(ex, 0);
  };

  /** A request no route took: only the response side applies. */
  adopt(ex: Exchange): void {
    ex.chain = this;
  }

  /** Runs the response steps, last filter first. */
  respond(ex: Exchange, head: ResponseHead): void {
    const responses = this.responses;
    for (let i = 0; i < responses.length; i++) (responses[i] as ResponseStep)(ex, head);
  }

  private run(ex: Exchange, from: number): void {
    const requests = this.requests;
    for (let i = from; i < requests.length; i++) {
      const verdict = (requests[i] as RequestStep)(ex);
      if (verdict === null) continue;
      if (verdict instanceof Promise) this.wait(ex, verdict, i + 1);
      else this.stop(ex, verdict);
      return;
    }
    this.terminal(ex, ex.params, ex.wildcard);
  }

  /**
   * The continuation runs outside uWS's callback: a throw there would be an unhandled
   * rejection, which ends the process, so it is caught and answered like a failed check.
   */
  private wait(ex: Exchange, pending: Promise<Verdict>, next: number): void {
    if (ex.hasBody && ex.heldBody === null && !ex.bodyTaken) holdRequestBody(ex);
    pending
      .then((verdict) => {
        if (ex.aborted || ex.finished) return;
        if (verdict === null) this.run(ex, next);
        else this.stop(ex, verdict);
      })
      .catch((err: unknown) => {
        this.options.onInternalError(err, ex);
        sendError(ex, INTERNAL);
      });
  }

  private stop(ex: Exchange, answer: Stop): void {
    if (!ex.hasBody || ex.bodyTaken || ex.heldBody?.last === true) {
      send(ex, answer);
      return;
    }
    const { maxBodyBytes, requestTimeoutMs } = this.options;
    discardRequestBody(ex, maxBodyBytes, requestTimeoutMs, () => send(ex, answer));
  }
}

function send(ex: Exchange, answer: Stop): void {
  if (answer instanceof GatewayError) sendError(ex, answer);
  else sendPrepared(ex, answer);
}

function ownsAny(filters: readonly RouteFilter[]): ((name: string) => boolean) | null {
  const owners = filters.flatMap((f) =>
    f.ownsResponseHeader === null ? [] : [f.ownsResponseHeader],
  );
  if (owners.length === 0) return null;
  if (owners.length === 1) return owners[0] as (name: string) => boolean;
  return function ownedByAFilter(name) {
    for (const owns of owners) if (owns(name)) return true;
    return false;
  };
}
