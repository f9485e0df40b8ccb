import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConditionWaiters } from './condition-waiters.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * A small real upstream. By default it echoes the request as JSON; `routes` overrides paths.
 * It records every request and every request whose client went away before the response.
 */
export class UpstreamServer {
  readonly seen: SeenRequest[] = [];
  readonly aborted: string[] = [];
  connections = 0;
  closedConnections = 0;
  private readonly waiters = new ConditionWaiters<UpstreamServer>(this);

  private constructor(
    readonly server: Server,
    readonly port: number,
    readonly host: string,
  ) {}

  /** `at`: another loopback address (127.0.0.2, for DNS answers) or a given port. */
  static async start(
    t: Tap,
    routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {},
    at: { host?: string; port?: number } = {},
  ): Promise<UpstreamServer> {
    const host = at.host ?? '127.0.0.1';
    let upstream: UpstreamServer | null = null;
    const server = createServer((req, res) => {
      const self = upstream as UpstreamServer;
      self.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      self.notify();
      res.on('close', () => {
        if (!res.writableFinished) {
          self.aborted.push(req.url ?? '');
          self.notify();
        }
      });
      const path = (req.url ?? '/').split('?')[0] as string;
      const handler = routes[path];
      if (handler) handler(req, res);
      else echo(req, res);
    });
    server.on('connection', (socket) => {
      const self = upstream as UpstreamServer;
      self.connections++;
      socket.on('close', () => {
        self.closedConnections++;
        self.notify();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(at.port ?? 0, host, resolve));
    upstream = new UpstreamServer(server, (server.address() as AddressInfo).port, host);
    t.teardown(() => upstream?.close());
    return upstream;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Resolves once `cond` holds, re-checked at every request, abort and closed connection. */
  waitFor(cond: (u: UpstreamServer) => boolean, timeoutMs = 5000): Promise<void> {
    return this.waiters.waitFor(cond, timeoutMs);
  }

  private notify(): void {
    this.waiters.notify();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0;
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      bodyBytes: bytes,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-upstream': 'echo',
    });
    res.end(body);
  });
}
