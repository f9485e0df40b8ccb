import { SignJWT } from 'jose';
import WebSocket from 'ws';

export const SECRET = 'hubnet-test-secret-of-at-least-32-bytes!';
export const WEBHOOK_TOKEN = 'webhook-token-for-tests';

export function jwt(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));
}

export interface HubFrame {
  type: string;
  [key: string]: unknown;
}

/** A `ws` client that keeps every JSON frame it receives and can wait for one. */
export class HubClient {
  readonly frames: HubFrame[] = [];
  private waiters: Array<{ test: (f: HubFrame) => boolean; resolve: (f: HubFrame) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as HubFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<HubClient> {
    const ws = new WebSocket(url, { headers });
    const client = new HubClient(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection to ${url}`)), 5000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return client;
  }

  /** The first frame (already received or future) passing `test`; rejects after `ms`. */
  next(test: (f: HubFrame) => boolean, ms = 5000): Promise<HubFrame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no matching frame within ${ms} ms: ${JSON.stringify(this.frames)}`)),
        ms,
      );
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Subscribes and resolves with the ack. */
  async subscribe(channel: string, since?: number): Promise<HubFrame> {
    const id = `sub-${channel}-${this.frames.length}`;
    this.send({ type: 'subscribe', channel, id, ...(since === undefined ? {} : { since }) });
    return this.next((f) => f.id === id && (f.type === 'ack' || f.type === 'error'));
  }

  events(channel: string): HubFrame[] {
    return this.frames.filter((f) => f.type === 'event' && f.channel === channel);
  }

  close(): void {
    this.ws.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
