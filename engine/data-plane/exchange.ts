import type { HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { CompiledRoute } from '../compile/compiled-route.js';
import type { Identity } from '../filters/auth/identity.js';
import type { RateDecision } from '../filters/rate-limit/rate-limiter.js';
import type { RequestMetrics } from '../observability/metrics/request-metrics.js';
import type { ServerTrace } from '../observability/tracing/request-tracer.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

const NO_HEADERS: HeaderList = Object.freeze([]);

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
  metrics: RequestMetrics | null = null;
  /** The server span, made on first use when tracing is on. */
  trace: ServerTrace | null = null;
  /** Attempts made again after a failure. */
  retries = 0;
  /** The rate-limit decision the response reports (the refusal, or the tightest limit). */
  rateLimit: RateDecision | null = null;
  /** Set by whoever has work in flight that must stop when the client aborts. */
  onAbort: (() => void) | null = null;
  /** The caller, once the route's auth step has verified its credentials. */
  identity: Identity | null = null;
  /** Headers the route adds to whatever response goes out (CORS, rate limit state). */
  responseHeaders: Array<readonly [string, string]> | null = null;
  /** Headers added to the response unless the upstream sent its own (security headers). */
  defaultHeaders: HeaderList = NO_HEADERS;
  /** The route answers CORS itself: the upstream's Access-Control-* headers are dropped. */
  ownsCors = false;
  /** Headers for the upstream request that carry the verified identity, as [name, value, ...]. */
  identityHeaders: string[] | null = null;
  heldBody: HeldBody | null = null;
  /** Set on WebSocket upgrade requests: what uWS needs to complete the handshake. */
  upgradeContext: us_socket_context_t | null = null;

  constructor(
    readonly res: HttpResponse,
    readonly method: string,
    /** Normalised path, as matched. */
    readonly path: string,
    /** Raw query string without "?", passed upstream untouched. */
    readonly query: string,
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

  addResponseHeaders(headers: HeaderList): void {
    if (headers.length === 0) return;
    const own = (this.responseHeaders ??= []);
    for (let i = 0; i < headers.length; i++) own.push(headers[i] as readonly [string, string]);
  }

  /** The status for logs and metrics: 499 when the client left before any answer (nginx's). */
  get reportedStatus(): number {
    return this.aborted && this.status === 0 ? 499 : this.status;
  }

  get hasBody(): boolean {
    return this.contentLength > 0 || this.chunked;
  }

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }
}
