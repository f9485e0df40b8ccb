import type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  us_listen_socket,
  us_socket_context_t,
  WebSocketBehavior,
} from 'uWebSockets.js';
import type { ServingTable } from './compiled-route.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from 'pino';
import { nativeUws } from '../native/uws-binding.js';
import {
  describePathRefusal,
  normalizePath,
  type NormalizedPath,
} from '../router/normalize-path.js';
import { Exchange } from './exchange.js';
import { requestIdFrom } from './request-id.js';
import { sendError, sendPrepared, statusLine } from './respond.js';
import { LISTEN_EXCLUSIVE_PORT } from './uws-augment.js';

/** uWS gives the peer address as bytes; decoded straight to a string, without a Buffer. */
const ADDRESS_TEXT = new TextDecoder();

const METHODS = new Map(
  ['get', 'head', 'post', 'put', 'delete', 'patch', 'options', 'trace', 'connect'].map((m) => [
    m,
    m.toUpperCase(),
  ]),
);

export interface HttpServerOptions<SocketData> {
  logger: Logger;
  /** The table in force; read once per request, so a swap never affects a request under way. */
  currentTable: () => ServingTable;
  /** Called for every finished exchange, after the in-flight count is updated. */
  onFinish: (ex: Exchange) => void;
  /**
   * The WebSocket behaviour of the listener, given how an upgrade request enters the same
   * matching and filters as any request (the WebSocket layer sits above the data plane).
   */
  webSocket: (onUpgrade: UpgradeHandler) => WebSocketBehavior<SocketData>;
}

/** An upgrade request, handed over by uWS with what completing the handshake needs. */
export type UpgradeHandler = (
  res: HttpResponse,
  req: HttpRequest,
  context: us_socket_context_t,
) => void;

/** The uWebSockets.js listener: reads each request, matches it and hands it to its route. */
export class HttpServer<SocketData> {
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private inFlight = 0;
  private draining = false;
  private drained: (() => void) | null = null;
  private readonly walk = new HeaderWalk();

  constructor(private readonly options: HttpServerOptions<SocketData>) {
    this.app = nativeUws()
      .App()
      .any('/*', (res, req) => this.onRequest(res, req, null))
      .ws(
        '/*',
        options.webSocket((res, req, context) => this.onRequest(res, req, context)),
      );
  }

  /** Resolves with the bound port. `exclusive` makes a second process on the port fail loudly. */
  listen(host: string, port: number, exclusive: boolean): Promise<number> {
    const flags = exclusive ? LISTEN_EXCLUSIVE_PORT : 0;
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, flags, (socket) => {
        if (!socket) {
          reject(new Error(`cannot listen on ${host}:${port} (address in use or not available)`));
          return;
        }
        this.listenSocket = socket;
        resolve(nativeUws().us_socket_local_port(socket));
      });
    });
  }

  /** Requests being handled now (read by the in-flight gauge at scrape time). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  get accepting(): boolean {
    return !this.draining;
  }

  /**
   * Stops accepting connections and answers new requests on open ones with 503, then resolves
   * once the requests already under way have finished, or after `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.listenSocket) {
      nativeUws().us_listen_socket_close(this.listenSocket);
      this.listenSocket = null;
    }
    if (this.inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  close(): void {
    this.app.close();
  }

  /** Sends a message to every WebSocket subscribed to `topic` (the hub's channel delivery). */
  publish(topic: string, message: string, isBinary: boolean): boolean {
    return this.app.publish(topic, message, isBinary, false);
  }

  /**
   * Every request, upgrade requests included (`upgrade` set): those go through the same matching
   * and checks, and only a WebSocket route completes the handshake; other routes answer them as
   * plain requests.
   */
  private onRequest(
    res: HttpResponse,
    req: HttpRequest,
    upgrade: us_socket_context_t | null,
  ): void {
    const table = this.options.currentTable();
    const rawPath = req.getUrl();
    const query = req.getQuery() ?? '';
    const method = METHODS.get(req.getMethod()) ?? req.getMethod().toUpperCase();
    const walk = this.walk;
    walk.start();
    req.forEach(walk.visit);

    const normal = normalizePath(rawPath, table.settings.paths);
    const path = typeof normal === 'string' ? normal : rawPath;
    const host = walk.host;
    const ex = new Exchange(
      res,
      method,
      path,
      query,
      walk.headers,
      host,
      requestIdFrom(walk.requestId),
      ADDRESS_TEXT.decode(res.getRemoteAddressAsText()),
      walk.contentLengths === 0 ? 0 : Number(walk.contentLength),
      walk.transferEncodings > 0,
      performance.now(),
      this.finishExchange,
    );
    ex.upgradeContext = upgrade;
    ex.captureHeaders(walk.authorization, walk.origin, walk.connection);
    this.inFlight++;

    const refusal =
      this.refuse(ex, rawPath.length + query.length, walk.bytes, table) ??
      ambiguity(walk) ??
      pathRefusal(normal);
    // No route has taken these requests: the table's setting gives their shape.
    if (refusal) {
      table.unmatched.adopt(ex);
      sendError(ex, refusal, table.settings.responseEnvelope);
      return;
    }
    if (typeof normal !== 'string' && 'redirectTo' in normal) {
      table.unmatched.adopt(ex);
      redirectToNormalPath(ex, normal.redirectTo);
      return;
    }
    res.onAborted(() => {
      ex.aborted = true;
      ex.onAbort?.();
      if (!ex.finished) {
        ex.finished = true;
        this.finishExchange(ex);
      }
    });

    const match = table.router.match(routingMethod(ex), host, path, ex);
    if (!match.found) {
      table.unmatched.adopt(ex);
      sendError(ex, notMatched(method, match.allowed), table.settings.responseEnvelope);
      return;
    }
    ex.routeName = match.value.name;
    ex.route = match.value;
    ex.inUpgradeCallback = upgrade !== null;
    try {
      match.value.handle(ex, match.params, match.wildcard);
    } catch (err) {
      this.options.logger.error(
        { err, request_id: ex.requestId, route: ex.routeName },
        'route handler failed',
      );
      sendError(
        ex,
        new GatewayError('INTERNAL_ERROR', 'the gateway failed to handle this request'),
      );
    }
    ex.inUpgradeCallback = false;
  }

  /** Limits and malformed requests, checked before anything is matched or read. */
  private refuse(
    ex: Exchange,
    targetLength: number,
    headerBytes: number,
    table: ServingTable,
  ): GatewayError | null {
    const s = table.settings;
    if (this.draining)
      return new GatewayError('SERVICE_UNAVAILABLE', 'the gateway is shutting down');
    if (targetLength > s.maxUrlLength) {
      return new GatewayError('URI_TOO_LONG', `the request target exceeds ${s.maxUrlLength} bytes`);
    }
    if (headerBytes > s.maxHeaderBytes) {
      return new GatewayError(
        'HEADERS_TOO_LARGE',
        `the request headers exceed ${s.maxHeaderBytes} bytes`,
      );
    }
    if (ex.contentLength > s.maxBodyBytes) {
      return new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `the request body exceeds the limit of ${s.maxBodyBytes} bytes`,
      );
    }
    return null;
  }

  private readonly finishExchange = (ex: Exchange): void => {
    this.inFlight--;
    this.options.onFinish(ex);
    if (this.inFlight === 0 && this.drained) this.drained();
  };
}

interface Framing {
  hosts: number;
  contentLengths: number;
  transferEncodings: number;
  /** The last value of each; only read when there is exactly one. */
  contentLength: string;
  te: string;
}

/**
 * The one walk over a request's headers: the list the exchange keeps, their size, the framing
 * headers, and the headers the exchange captures (the first of each). One instance per server,
 * started again for each request: uWS runs forEach synchronously inside its request callback.
 */
class HeaderWalk implements Framing {
  headers: string[] = [];
  bytes = 0;
  host = '';
  requestId = '';
  hosts = 0;
  contentLengths = 0;
  transferEncodings = 0;
  contentLength = '';
  te = '';
  authorization: string | undefined = undefined;
  origin: string | undefined = undefined;
  connection: string | undefined = undefined;

  start(): void {
    this.headers = [];
    this.bytes = 0;
    this.host = '';
    this.requestId = '';
    this.hosts = 0;
    this.contentLengths = 0;
    this.transferEncodings = 0;
    this.contentLength = '';
    this.te = '';
    this.authorization = undefined;
    this.origin = undefined;
    this.connection = undefined;
  }

  readonly visit = (name: string, value: string): void => {
    this.headers.push(name, value);
    this.bytes += name.length + value.length + 4;
    switch (name) {
      case 'host':
        this.host = value;
        this.hosts++;
        break;
      case 'x-request-id':
        this.requestId = value;
        break;
      case 'content-length':
        this.contentLength = value;
        this.contentLengths++;
        break;
      case 'transfer-encoding':
        this.te = value;
        this.transferEncodings++;
        break;
      case 'authorization':
        this.authorization ??= value;
        break;
      case 'origin':
        this.origin ??= value;
        break;
      case 'connection':
        this.connection ??= value;
        break;
    }
  };
}

const DIGITS = /^[0-9]{1,15}$/;
const CHUNKED = /^[ \t]*chunked[ \t]*$/i;

/**
 * Requests whose target or body length two parties could read differently (RFC 9112 sections
 * 3.2 and 6): the gateway and its upstream must agree on where a request ends and which host it
 * names, or a second request can be smuggled inside the first. These are refused, and the
 * connection closed, rather than guessed at.
 */
function ambiguity(f: Framing): GatewayError | null {
  let why: string | null = null;
  if (f.hosts > 1) why = 'the request has more than one Host header';
  else if (f.contentLengths > 1) why = 'the request has more than one Content-Length header';
  else if (f.contentLengths === 1 && !DIGITS.test(f.contentLength)) {
    why = 'the Content-Length header is not a valid length';
  } else if (f.transferEncodings > 1) {
    why = 'the request has more than one Transfer-Encoding header';
  } else if (f.transferEncodings === 1 && !CHUNKED.test(f.te)) {
    why = `Transfer-Encoding "${f.te}" is not supported: only "chunked" is`;
  } else if (f.transferEncodings === 1 && f.contentLengths === 1) {
    why = 'the request has both Content-Length and Transfer-Encoding';
  }
  return why === null ? null : new GatewayError('AMBIGUOUS_REQUEST', why);
}

/** A path `server.paths` refuses: malformed ones are BAD_REQUEST, ambiguous ones PATH_REJECTED. */
function pathRefusal(path: NormalizedPath): GatewayError | null {
  if (typeof path === 'string' || !('refused' in path)) return null;
  const code = path.refused === 'malformed' ? 'BAD_REQUEST' : 'PATH_REJECTED';
  return new GatewayError(code, describePathRefusal(path.refused));
}

const NO_BODY = Buffer.alloc(0);

/** `server.paths.escaped_slashes: unescape_and_redirect`: the same request, on the normal path. */
function redirectToNormalPath(ex: Exchange, path: string): void {
  const location = ex.query === '' ? path : `${path}?${ex.query}`;
  sendPrepared(ex, {
    status: statusLine(307),
    statusCode: 307,
    headers: [['location', location]],
    body: NO_BODY,
  });
}

function notMatched(method: string, allowed: ReadonlySet<string>): GatewayError {
  if (allowed.size === 0)
    return new GatewayError('ROUTE_NOT_FOUND', 'no route matches this request');
  const allow = [...allowed].sort().join(', ');
  return new GatewayError(
    'METHOD_NOT_ALLOWED',
    `method ${method} is not allowed here; allowed: ${allow}`,
    [['allow', allow]],
  );
}

/**
 * A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) is routed as the
 * request it announces, so the route that will serve that request answers it with its own CORS
 * policy, whatever methods the route lists.
 */
function routingMethod(ex: Exchange): string {
  if (ex.method !== 'OPTIONS' || ex.origin === undefined) return ex.method;
  const announced = ex.header('access-control-request-method');
  return announced === undefined || announced === '' ? ex.method : announced.toUpperCase();
}
