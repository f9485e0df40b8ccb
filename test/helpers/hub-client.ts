import WebSocket, { type ClientOptions } from 'ws';

interface Tap {
  teardown(fn: () => unknown): void;
}

export type HubMessage = Record<string, unknown> & { type: string };

/**
 * A hub client for tests: every server message is kept in order, and tests await the ones they
 * expect (each wait bounded) instead of sleeping.
 */
export class HubClient {
  readonly received: HubMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ test: (m: HubMessage) => boolean; resolve: (m: HubMessage) => void }> =
    [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(raw.toString()) as HubMessage;
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a connection and waits for the hub's `connected` message. */
  static async connect(t: Tap, url: string, options: ClientOptions = {}): Promise<HubClient> {
    const ws = new WebSocket(url, options);
    const client = new HubClient(ws);
    t.teardown(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade answered ${res.statusCode}`)),
      );
    });
    await client.next((m) => m.type === 'connected');
    return client;
  }

  /** The status an upgrade that is refused gets. */
  static refusal(url: string, options: ClientOptions = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', () => undefined);
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Sends with a fresh id and resolves with the ack or error of that id. */
  request(message: Record<string, unknown>, timeoutMs = 5000): Promise<HubMessage> {
    const id = `r${++this.nextId}`;
    this.send({ ...message, id });
    return this.next((m) => m.id === id && (m.type === 'ack' || m.type === 'error'), timeoutMs);
  }

  /** The first message (already received or future) that passes `test`. */
  next(test: (m: HubMessage) => boolean, timeoutMs = 5000): Promise<HubMessage> {
    const seen = this.received.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  events(channel?: string): HubMessage[] {
    return this.received.filter(
      (m) => m.type === 'event' && (channel === undefined || m.channel === channel),
    );
  }

  /** Resolves with the close code, or rejects if the connection is still open after timeoutMs. */
  async closedWithin(timeoutMs: number): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`still open after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
