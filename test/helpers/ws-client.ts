import WebSocket, { type ClientOptions } from 'ws';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface Message {
  data: Buffer;
  isBinary: boolean;
}

/** A client connection through the gateway, with what it received collected in order. */
export interface OpenClient {
  ok: true;
  ws: WebSocket;
  /** Headers of the 101 answer. */
  headers: Record<string, string | string[] | undefined>;
  messages: Message[];
  /** Resolves with the next message (or the first not yet taken). */
  next(timeoutMs?: number): Promise<Message>;
  closed: Promise<{ code: number; reason: string }>;
}

export interface RefusedClient {
  ok: false;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Opens a WebSocket with the `ws` package and resolves either with the open connection or with
 * the HTTP answer that refused the upgrade. Every wait is bounded by `timeoutMs`.
 */
export function connect(
  t: Tap,
  url: string,
  opts: { protocols?: string[]; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<OpenClient | RefusedClient> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const options: ClientOptions = {
    headers: opts.headers,
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
    handshakeTimeout: timeoutMs,
  };
  const ws = new WebSocket(url, opts.protocols ?? [], options);
  t.teardown(() => ws.terminate());
  const pending = new Promise<OpenClient | RefusedClient>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ ok: false, status: res.statusCode ?? 0, headers: res.headers, body });
        ws.terminate();
      });
    });
    let upgradeHeaders: OpenClient['headers'] = {};
    ws.once('upgrade', (res) => (upgradeHeaders = res.headers));
    ws.once('error', (err) => {
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.CLOSED) reject(err);
    });
    ws.once('open', () => {
      const messages: Message[] = [];
      let taken = 0;
      let wake: (() => void) | null = null;
      ws.on('message', (data: Buffer, isBinary) => {
        messages.push({ data, isBinary });
        wake?.();
      });
      ws.on('error', () => {});
      const closed = new Promise<{ code: number; reason: string }>((done) =>
        ws.on('close', (code, reason) => done({ code, reason: reason.toString() })),
      );
      const next = (timeoutMs = 5000): Promise<Message> =>
        new Promise((got, fail) => {
          const take = () => {
            if (taken >= messages.length) return false;
            wake = null;
            clearTimeout(timer);
            got(messages[taken++] as Message);
            return true;
          };
          const timer = setTimeout(() => fail(new Error('no message in time')), timeoutMs);
          if (!take()) wake = take;
        });
      resolve({ ok: true, ws, headers: upgradeHeaders, messages, next, closed });
    });
  });
  return within(pending, timeoutMs + 1000, `connecting to ${url}`);
}

/** Rejects when `promise` takes longer than `ms`, naming `what`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
