import type { HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { CompiledRoute } from './compiled-route.js';
import type { RouteChain } from './filter-chain.js';
import type { Identity } from './identity.js';
import type { RateDecision } from './rate-decision.js';
import type { CacheMark, ResponseTap } from './response-tap.js';

/** Where finished requests are counted (a route's or an upstream's series; see observability). */
export interface RequestSeries {
  /** `durationMs`: the request's one measured duration, also given to its log line and span. */
  record(ex: Exchange, status: number, durationMs: number): void;
}

/** A request's server span, made and read by the tracer; opaque to the data plane. */
export interface ExchangeTrace {
  readonly traceId: string;
}

const NO_PARAMS: readonly string[] = Object.freeze([]);

/** Body chunks that arrived while a route's asynchronous checks (auth, rate limit) were running. */
export interface HeldBody {
  chunks: ArrayBuffer[];
  last: boolean;
  bytes: number;
  paused: boolean;
}

/**
 * One request and its response, from the moment uWS hands it over until the last byte is
 * written or the client goes away. uWS's request object is only valid during its callback, so
 * everything needed later is copied here first.
 */
export class Exchange {
  /** The client went away: `res` must not be touched any more. */
  aborted = false;
  /** Status and headers have been written; an error now can only cut the connection. */
  headersSent = false;
  /** The response was cut short after its head went out: the client saw the status, not all of the body. */
  cut = false;
  finished = false;
  status = 0;
  /**
   * performance.now() read just before the response's last byte went to uWS (so a client cannot
   * have it earlier), set by whoever writes it; 0 until then, or when nothing was written.
   */
  responseEndedAt = 0;
  bytesIn = 0;
  bytesOut = 0;
  routeName = '';
  /** The route that matched; null until one does (or when none does). */
  route: CompiledRoute | null = null;
  upstreamName = '';
  /** The series the request is counted in, once an upstream is chosen; else the route's. */
  metrics: RequestSeries | null = null;
  /** The server span, made on first use when tracing is on. */
  trace: ExchangeTrace | null = null;
  /** Attempts made again after a failure. */
  retries = 0;
  /** The rate-limit decision the response reports (the refusal, or the tightest limit). */
  rateLimit: RateDecision | null = null;
  /** Set by whoever has work in flight that must stop when the client aborts. */
  onAbort: (() => void) | null = null;
  /** The caller, once the route's auth step has verified its credentials. */
  identity: Identity | null = null;
  /** The filter chain the request went through: its response steps shape every answer. */
  chain: RouteChain | null = null;
  /** The route's path captures, in pattern order, and what its trailing `*` matched. */
  params: readonly string[] = NO_PARAMS;
  wildcard = '';
  /** Headers for the upstream request that carry the verified identity, as [name, value, ...]. */
  identityHeaders: readonly string[] | null = null;
  heldBody: HeldBody | null = null;
  /** The route's response cache's decision (filters/cache); null when it made none. */
  cacheMark: CacheMark | null = null;
  /** Told of the upstream's answer as it streams through (the cache records it); null: nobody. */
  responseTap: ResponseTap | null = null;
  /**
   * A step took the body to read it whole (readWholeBody): nothing else may take uWS's data
   * handler, and a refusal after it needs no draining (the body was read, or the answer closes).
   */
  bodyTaken = false;
  /** The whole body a step read (OpenAPI validation): the proxy sends exactly these bytes. */
  body: Buffer | null = null;
  /** A plugin's view of this request, made by the first plugin step that runs (filters/plugins). */
  pluginView: object | null = null;
  /**
   * Told when the exchange ends, besides the server: a set of plugin instances waits for the
   * requests that went through it before it closes.
   */
  onFinished: ((ex: Exchange) => void) | null = null;
  /** Set on WebSocket upgrade requests: what uWS needs to complete the handshake. */
  upgradeContext: us_socket_context_t | null = null;
  /** Came in on the HTTPS listener. */
  secure = false;
  /** Set by captureHeaders: the headers below were found in the listener's header walk. */
  private captured = false;
  private capturedAuthorization: string | undefined = undefined;
  private capturedOrigin: string | undefined = undefined;
  private capturedConnection: string | undefined = undefined;
  /** The client's address once a step has asked for it (see client-address.ts). */
  client: string | null = null;
  /** Whether the TCP peer is a trusted proxy, once something has asked (see client-address.ts). */
  peerTrusted: boolean | null = null;
  /** An upgrade request whose uWS callback is still running: uWS corks its writes itself. */
  inUpgradeCallback = false;

  constructor(
    readonly res: HttpResponse,
    readonly method: string,
    /** Normalised path, as matched. */
    readonly path: string,
    /**
     * Raw query string without "?", passed upstream untouched, except by a socket.io route's
     * last step, which takes its own session tag and the credential out of it.
     */
    public query: string,
    /** Request headers as [name, value, name, value, ...], names in lower case. */
    readonly headers: string[],
    readonly host: string,
    readonly requestId: string,
    /** The TCP peer. */
    readonly peerAddress: string,
    readonly contentLength: number,
    readonly chunked: boolean,
    readonly startedAt: number,
    /** Called once when the exchange ends, however it ends: access log, in-flight count. */
    readonly onFinish: (ex: Exchange) => void,
  ) {}

  /** The status for logs and metrics: 499 when the client left before any answer (nginx's). */
  get reportedStatus(): number {
    return this.aborted && this.status === 0 ? 499 : this.status;
  }

  get hasBody(): boolean {
    return this.contentLength > 0 || this.chunked;
  }

  /**
   * The headers the data plane and the built-in filters read on most requests, as the listener's
   * one walk over the request's headers found them (the first of each), so that no reader scans
   * the list for them.
   */
  captureHeaders(
    authorization: string | undefined,
    origin: string | undefined,
    connection: string | undefined,
  ): void {
    this.captured = true;
    this.capturedAuthorization = authorization;
    this.capturedOrigin = origin;
    this.capturedConnection = connection;
  }

  get authorization(): string | undefined {
    return this.captured ? this.capturedAuthorization : this.header('authorization');
  }

  get origin(): string | undefined {
    return this.captured ? this.capturedOrigin : this.header('origin');
  }

  get connection(): string | undefined {
    return this.captured ? this.capturedConnection : this.header('connection');
  }

  /**
   * Replaces every `name` header of the request (lower case) with `value`, or removes them when
   * it is null, keeping the headers captured in the listener's walk in step.
   */
  replaceHeader(name: string, value: string | null): void {
    const h = this.headers;
    let kept = 0;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === name) continue;
      h[kept++] = h[i] as string;
      h[kept++] = h[i + 1] as string;
    }
    h.length = kept;
    if (value !== null) h.push(name, value);
    if (!this.captured) return;
    const captured = value ?? undefined;
    if (name === 'authorization') this.capturedAuthorization = captured;
    else if (name === 'origin') this.capturedOrigin = captured;
    else if (name === 'connection') this.capturedConnection = captured;
  }

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }
}
