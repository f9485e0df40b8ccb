import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ConditionWaiters } from './condition-waiters.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** One connection the upstream accepted, as the upstream saw it. */
export interface UpstreamConnection {
  ws: WebSocket;
  url: string;
  headers: IncomingMessage['headers'];
  /** The subprotocol the upstream chose ('' for none). */
  protocol: string;
  received: Received[];
  /** Resolves with the close code and reason the upstream got. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface WsUpstreamOptions {
  /** Echo every message back as it came (text as text, binary as binary). Default true. */
  echo?: boolean;
  /** Picks the subprotocol from those offered; default: the first. */
  chooseProtocol?: (offered: string[]) => string | false;
  /** Paths refused with this HTTP status instead of upgraded. */
  refuse?: Record<string, number>;
}

/**
 * A real WebSocket upstream (the `ws` package) that records each handshake, message and close,
 * echoes by default, and leaves each connection to the test to drive.
 */
export class WsUpstream {
  readonly connections: UpstreamConnection[] = [];
  private readonly waiters = new ConditionWaiters<WsUpstream>(this);

  private constructor(
    readonly server: WebSocketServer,
    readonly port: number,
  ) {}

  static async start(t: Tap, opts: WsUpstreamOptions = {}): Promise<WsUpstream> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
      handleProtocols: (offered) => (opts.chooseProtocol ?? firstOf)([...offered]),
      verifyClient: (info, done) => {
        const status = opts.refuse?.[(info.req.url ?? '').split('?')[0] as string];
        if (status === undefined) done(true);
        else done(false, status);
      },
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const upstream = new WsUpstream(server, (server.address() as AddressInfo).port);
    server.on('connection', (ws, req) => {
      const received: Received[] = [];
      ws.on('message', (data: Buffer, isBinary) => {
        received.push({ data, isBinary });
        if (opts.echo !== false && ws.readyState === WebSocket.OPEN) {
          ws.send(data, { binary: isBinary });
        }
        upstream.notify();
      });
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on('close', (code, reason) => {
          resolve({ code, reason: reason.toString() });
          upstream.notify();
        }),
      );
      ws.on('error', () => {});
      upstream.connections.push({
        ws,
        url: req.url ?? '',
        headers: req.headers,
        protocol: ws.protocol,
        received,
        closed,
      });
      upstream.notify();
    });
    t.teardown(() => upstream.close());
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get last(): UpstreamConnection {
    const last = this.connections.at(-1);
    if (last === undefined) throw new Error('the upstream has no connection');
    return last;
  }

  /** Resolves once `cond` holds, re-checked at every connection, message and close. */
  waitFor(cond: (u: WsUpstream) => boolean, timeoutMs = 5000): Promise<void> {
    return this.waiters.waitFor(cond, timeoutMs);
  }

  private notify(): void {
    this.waiters.notify();
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function firstOf(offered: string[]): string | false {
  return offered[0] ?? false;
}
