import { channelMatches, isPattern } from './channel-pattern.js';
import { HubError } from './hub-error.js';
import { host, type SocketConstructor, type SocketLike } from './socket-types.js';
import {
  nativeFormat,
  typeDataFormat,
  type Inbound,
  type RequestId,
  type WireFormat,
} from './wire-formats.js';

/**
 * - `connecting`: opening a connection (or waiting for its `connected` message);
 * - `open`: connected, subscriptions resumed, requests go out at once;
 * - `reconnecting`: waiting out the backoff before the next attempt;
 * - `unauthorized`: the hub refused the credential (close 4401): no retry until `reconnect()`;
 * - `closed`: `close()` was called.
 */
export type HubState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

export interface HubClientOptions {
  /** The hub route, `wss://api.example.com/ws`. */
  url: string;
  /**
   * Gives the token for each connection attempt and for each in-band refresh after
   * TOKEN_EXPIRED; it should return a fresh one. Without it, connections are anonymous.
   */
  token?: () => string | Promise<string>;
  /** The query parameter the hub reads the token from (auth.jwt.query_parameter). Default `token`. */
  tokenParameter?: string;
  /** The route's `message_format`. Default `native`. */
  format?: 'native' | 'type_data';
  /** Default: the global WebSocket (browsers, Node 22+); pass `ws`'s class on Node 20. */
  WebSocket?: SocketConstructor;
  /** Delay before reconnect attempt n: min(maxMs, initialMs × 2^n), half of it random. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Publishes and requests held while not connected; beyond it they reject with QUEUE_FULL. Default 100. */
  maxQueued?: number;
  /** A request without an answer in this time rejects with TIMEOUT. Default 10000. */
  requestTimeoutMs?: number;
}

/** One channel message as delivered to a handler. */
export interface ChannelEvent {
  channel: string;
  data: unknown;
  seq: number;
  ts: number;
}

export type EventHandler = (data: unknown, event: ChannelEvent) => void;

/** What a state change tells: the close that caused it, or the wait before the next attempt. */
export interface StateDetail {
  code?: number;
  reason?: string;
  /** `reconnecting`: the wait before the next attempt, in ms. */
  delayMs?: number;
  /** `reconnecting`: attempts since the last successful connection. */
  attempt?: number;
}

export interface ConnectedInfo {
  connectionId: string;
  user: string | null;
  /** The hub's history epoch: sequence numbers restart when it changes. */
  epoch: string;
  /** The epoch changed since the last connection: subscriptions started over from seq 0. */
  epochChanged: boolean;
}

export interface HubClientEvents {
  state: (state: HubState, detail: StateDetail) => void;
  connected: (info: ConnectedInfo) => void;
  /** A failure no request promise can carry: a refused resubscribe, a failed token refresh. */
  error: (error: HubError) => void;
  /** A message an operator sent to this connection (admin API). */
  message: (data: unknown) => void;
}

type Answer = Record<string, unknown>;

interface Pending {
  resolve(fields: Answer): void;
  reject(error: HubError): void;
  timer: unknown;
}

interface Subscription {
  readonly name: string;
  readonly handlers: Set<EventHandler>;
  /** The hub has acknowledged it on the current connection. */
  confirmed: boolean;
  /** The hub has acknowledged it once: a reconnect resumes it with `since`. */
  resumable: boolean;
  /** subscribe() calls waiting for the hub's answer. */
  waiting: Array<{ resolve(fields: Answer): void; reject(error: HubError): void }>;
}

interface Queued {
  encode(id: RequestId): string;
  resolve(fields: Answer): void;
  reject(error: HubError): void;
}

/** The close code of a credential the hub refused (websocket.server.refused_upgrade: close). */
const REFUSED_CREDENTIAL = 4401;

/**
 * A client of gatewayd's WebSocket hub that survives reconnects: subscriptions are remembered
 * and resumed with `since` after each `connected` message, so a channel's messages arrive once
 * and in order across drops, reloads and gateway restarts. See docs/guides/hub-client.md.
 */
export class HubClient {
  private readonly format: WireFormat;
  private readonly Socket: SocketConstructor;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueued: number;
  private readonly requestTimeoutMs: number;
  private readonly listeners: { [K in keyof HubClientEvents]: Set<HubClientEvents[K]> } = {
    state: new Set(),
    connected: new Set(),
    error: new Set(),
    message: new Set(),
  };

  private currentState: HubState = 'connecting';
  private socket: SocketLike | null = null;
  /** The `connected` message of the current socket has arrived. */
  private ready = false;
  private epoch: string | null = null;
  private readonly lastSeq = new Map<string, number>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly inflight = new Map<RequestId, Pending>();
  private queue: Queued[] = [];
  private nextId = 1;
  private attempt = 0;
  private retryTimer: unknown = null;
  /** Counts connect() calls: one overtaken by a newer call while awaiting its token gives up. */
  private connectCalls = 0;
  /** A 4401 TOKEN_EXPIRED gets one immediate retry with a fresh token. */
  private retriedExpiredToken = false;

  constructor(private readonly options: HubClientOptions) {
    this.format = options.format === 'type_data' ? typeDataFormat : nativeFormat;
    const Socket = options.WebSocket ?? host.WebSocket;
    if (Socket === undefined) {
      throw new TypeError('no global WebSocket here: pass options.WebSocket (the ws package)');
    }
    this.Socket = Socket;
    this.initialDelayMs = options.backoff?.initialMs ?? 500;
    this.maxDelayMs = options.backoff?.maxMs ?? 30_000;
    this.maxQueued = options.maxQueued ?? 100;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    void this.connect();
  }

  get state(): HubState {
    return this.currentState;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof HubClientEvents>(event: K, listener: HubClientEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /**
   * Subscribes `handler` to a channel or pattern, now or as soon as connected, and on every
   * reconnect after. Resolves with the hub's answer (`replayed`: history messages sent first);
   * rejects with the hub's refusal (FORBIDDEN, CHANNEL_FULL, ...).
   */
  subscribe(channel: string, handler: EventHandler): Promise<Answer> {
    const refused = this.refusal();
    if (refused !== null) return Promise.reject(refused);
    let sub = this.subscriptions.get(channel);
    if (sub !== undefined) {
      sub.handlers.add(handler);
      if (sub.confirmed) return Promise.resolve({ channel, replayed: 0 });
    } else {
      sub = {
        name: channel,
        handlers: new Set([handler]),
        confirmed: false,
        resumable: false,
        waiting: [],
      };
      this.subscriptions.set(channel, sub);
      if (this.ready) this.sendSubscribe(sub);
    }
    const waiting = sub.waiting;
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  /**
   * Stops delivering the channel to any handler at once, and tells the hub when connected.
   * Resolves when the hub has answered, or at once when not connected (a new connection starts
   * without the subscription).
   */
  unsubscribe(channel: string): Promise<void> {
    const sub = this.subscriptions.get(channel);
    if (sub === undefined) return Promise.resolve();
    this.subscriptions.delete(channel);
    for (const w of sub.waiting.splice(0)) {
      w.reject(
        new HubError('UNSUBSCRIBED', `unsubscribed from ${channel} before the hub answered`),
      );
    }
    if (!this.ready) return Promise.resolve();
    // A connection that drops takes the subscription with it: that is done too.
    return this.send((id) => this.format.unsubscribe(id, channel)).then(
      () => undefined,
      (error: HubError) => {
        if (error.code !== 'DISCONNECTED') throw error;
      },
    );
  }

  /**
   * Publishes to a channel (where the channel's allow_publish lets clients). Resolves with the
   * hub's ack (`seq`: the message's place in the channel). While not connected the message waits
   * in a queue of `maxQueued`; beyond it, or if the connection drops before the ack, the promise
   * rejects (QUEUE_FULL, DISCONNECTED) and the message may or may not have been published.
   */
  publish(channel: string, data: unknown): Promise<Answer> {
    return this.enqueue((id) => this.format.publish(id, channel, data));
  }

  /** Sends a message route's type (`message_routes`); resolves with its ack, as publish does. */
  request(type: string, fields: Record<string, unknown> = {}): Promise<Answer> {
    return this.enqueue((id) => this.format.request(id, type, fields));
  }

  /** Closes for good: pending and queued requests reject with CLOSED. */
  close(): void {
    if (this.currentState === 'closed') return;
    this.stopRetrying();
    this.setState('closed', {});
    const socket = this.socket;
    this.dropConnection(new HubError('CLOSED', 'the client was closed'));
    socket?.close(1000, 'client closed');
    this.failQueued(new HubError('CLOSED', 'the client was closed'));
  }

  /** Connects again after `unauthorized` (with a new token provider's token) or `closed`. */
  reconnect(): void {
    if (this.currentState !== 'unauthorized' && this.currentState !== 'closed') return;
    this.attempt = 0;
    this.retriedExpiredToken = false;
    void this.connect();
  }

  private refusal(): HubError | null {
    if (this.currentState === 'closed') return new HubError('CLOSED', 'the client was closed');
    if (this.currentState === 'unauthorized') {
      return new HubError('UNAUTHORIZED', 'the hub refused the credential; call reconnect()');
    }
    return null;
  }

  private enqueue(encode: (id: RequestId) => string): Promise<Answer> {
    const refused = this.refusal();
    if (refused !== null) return Promise.reject(refused);
    if (this.ready) return this.send(encode);
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new HubError('QUEUE_FULL', `${this.maxQueued} messages already wait for a connection`),
      );
    }
    return new Promise((resolve, reject) => this.queue.push({ encode, resolve, reject }));
  }

  /** Sends one request on the open socket; its promise settles with the answer of its id. */
  private send(encode: (id: RequestId) => string): Promise<Answer> {
    return new Promise((resolve, reject) => this.transmit(encode, resolve, reject));
  }

  private transmit(
    encode: (id: RequestId) => string,
    resolve: (fields: Answer) => void,
    reject: (error: HubError) => void,
  ): void {
    const id = this.nextId++;
    const timer = host.setTimeout(() => {
      if (!this.inflight.delete(id)) return;
      reject(new HubError('TIMEOUT', `no answer within ${this.requestTimeoutMs} ms`));
    }, this.requestTimeoutMs);
    this.inflight.set(id, { resolve, reject, timer });
    (this.socket as SocketLike).send(encode(id));
  }

  private sendSubscribe(sub: Subscription): void {
    // A channel seen before resumes after its last seq; a resumed one that saw nothing (or
    // whose epoch changed) from 0, everything the history kept; a first one gets the history.
    // Patterns have no history: they take live messages only.
    const seen = this.lastSeq.get(sub.name);
    const since = isPattern(sub.name) ? undefined : (seen ?? (sub.resumable ? 0 : undefined));
    this.transmit(
      (id) => this.format.subscribe(id, sub.name, since),
      (fields) => {
        if (this.subscriptions.get(sub.name) !== sub) return;
        sub.confirmed = true;
        sub.resumable = true;
        for (const w of sub.waiting.splice(0)) w.resolve(fields);
      },
      (error) => {
        // A dropped connection leaves the subscription to the next one.
        if (error.code === 'DISCONNECTED') return;
        if (this.subscriptions.get(sub.name) === sub) this.subscriptions.delete(sub.name);
        const waiting = sub.waiting.splice(0);
        if (waiting.length === 0) this.emit('error', error);
        for (const w of waiting) w.reject(error);
      },
    );
  }

  private async connect(): Promise<void> {
    const call = ++this.connectCalls;
    this.setState('connecting', {});
    let url = this.options.url;
    if (this.options.token !== undefined) {
      let token: string;
      try {
        token = await this.options.token();
      } catch (err) {
        this.emit(
          'error',
          new HubError('TOKEN_UNAVAILABLE', `the token provider failed: ${describe(err)}`),
        );
        if (this.currentState === 'connecting' && call === this.connectCalls) {
          this.scheduleReconnect({});
        }
        return;
      }
      // close(), or close() and reconnect(), ran while the token was awaited.
      if (this.currentState !== 'connecting' || call !== this.connectCalls) return;
      const parameter = encodeURIComponent(this.options.tokenParameter ?? 'token');
      url += `${url.includes('?') ? '&' : '?'}${parameter}=${encodeURIComponent(token)}`;
    }
    let socket: SocketLike;
    try {
      socket = new this.Socket(url);
    } catch (err) {
      this.emit(
        'error',
        new HubError('BAD_URL', `cannot open ${this.options.url}: ${describe(err)}`),
      );
      this.close();
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      const message = this.format.decode(event.data);
      if (message !== null) this.receive(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.closed(event.code, event.reason);
    };
    // A failed socket always closes too; the close decides what happens next.
    socket.onerror = () => undefined;
  }

  private receive(message: Inbound): void {
    switch (message.kind) {
      case 'connected':
        this.connected(message);
        return;
      case 'event':
        this.deliver(message);
        return;
      case 'ack': {
        const pending = this.take(message.id);
        pending?.resolve(message.fields);
        return;
      }
      case 'error': {
        const error = new HubError(message.code, message.message);
        const pending = message.id === undefined ? undefined : this.take(message.id);
        // Before `connected`, an error is a refused upgrade's: its close (4401) tells the rest.
        if (!this.ready) return;
        if (pending !== undefined) pending.reject(error);
        else if (message.code === 'TOKEN_EXPIRED') void this.refreshToken();
        else this.emit('error', error);
        return;
      }
      case 'ping':
        (this.socket as SocketLike).send(this.format.pong());
        return;
      case 'message':
        this.emit('message', message.data);
        return;
      case 'other':
        return;
    }
  }

  private connected(message: Extract<Inbound, { kind: 'connected' }>): void {
    const epochChanged = this.epoch !== null && message.epoch !== this.epoch;
    // Sequence numbers restarted (a memory history's gateway restarted): start over from 0.
    if (epochChanged) this.lastSeq.clear();
    this.epoch = message.epoch;
    this.ready = true;
    this.attempt = 0;
    this.retriedExpiredToken = false;
    this.setState('open', {});
    for (const sub of this.subscriptions.values()) this.sendSubscribe(sub);
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) this.transmit(q.encode, q.resolve, q.reject);
    this.emit('connected', {
      connectionId: message.connectionId,
      user: message.user,
      epoch: message.epoch,
      epochChanged,
    });
  }

  /** Each seq once per channel: a resubscribe's replay may overlap what was already delivered. */
  private deliver(message: Extract<Inbound, { kind: 'event' }>): void {
    const last = this.lastSeq.get(message.channel);
    if (last !== undefined && message.seq <= last) return;
    this.lastSeq.set(message.channel, message.seq);
    const event: ChannelEvent = {
      channel: message.channel,
      data: message.data,
      seq: message.seq,
      ts: message.ts,
    };
    for (const sub of this.subscriptions.values()) {
      if (!channelMatches(sub.name, message.channel)) continue;
      for (const handler of sub.handlers) this.call(() => handler(event.data, event));
    }
  }

  private async refreshToken(): Promise<void> {
    if (this.options.token === undefined) {
      this.emit('error', new HubError('TOKEN_EXPIRED', 'the token expired and no provider is set'));
      return;
    }
    try {
      const token = await this.options.token();
      if (!this.ready) return;
      await this.send((id) => this.format.auth(id, token));
    } catch (err) {
      this.emit(
        'error',
        err instanceof HubError
          ? err
          : new HubError('TOKEN_UNAVAILABLE', `the token provider failed: ${describe(err)}`),
      );
    }
  }

  private closed(code: number, reason: string): void {
    this.dropConnection(new HubError('DISCONNECTED', `the connection closed (${code})`));
    if (this.currentState === 'closed') return;
    if (code === REFUSED_CREDENTIAL) {
      if (reason === 'TOKEN_EXPIRED' && !this.retriedExpiredToken) {
        this.retriedExpiredToken = true;
        void this.connect();
        return;
      }
      this.setState('unauthorized', { code, reason });
      this.failQueued(new HubError('UNAUTHORIZED', `the hub refused the credential (${reason})`));
      return;
    }
    this.scheduleReconnect({ code, reason });
  }

  /** Forgets the socket: requests lost with it reject; subscriptions wait for the next one. */
  private dropConnection(lost: HubError): void {
    this.socket = null;
    this.ready = false;
    for (const sub of this.subscriptions.values()) sub.confirmed = false;
    const inflight = [...this.inflight.values()];
    this.inflight.clear();
    for (const pending of inflight) {
      host.clearTimeout(pending.timer);
      pending.reject(lost);
    }
  }

  private scheduleReconnect(detail: StateDetail): void {
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
    const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt++;
    this.setState('reconnecting', { ...detail, delayMs, attempt: this.attempt });
    this.retryTimer = host.setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delayMs);
  }

  private stopRetrying(): void {
    if (this.retryTimer === null) return;
    host.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private failQueued(error: HubError): void {
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) q.reject(error);
    for (const sub of this.subscriptions.values()) {
      for (const w of sub.waiting.splice(0)) w.reject(error);
    }
  }

  private take(id: RequestId): Pending | undefined {
    const pending = this.inflight.get(id);
    if (pending === undefined) return undefined;
    this.inflight.delete(id);
    host.clearTimeout(pending.timer);
    return pending;
  }

  private setState(state: HubState, detail: StateDetail): void {
    if (this.currentState === state && state !== 'reconnecting') return;
    this.currentState = state;
    this.emit('state', state, detail);
  }

  private emit<K extends keyof HubClientEvents>(
    event: K,
    ...args: Parameters<HubClientEvents[K]>
  ): void {
    for (const listener of this.listeners[event]) {
      this.call(() => (listener as (...a: Parameters<HubClientEvents[K]>) => void)(...args));
    }
  }

  /** An application callback that throws must not break the client: its error is rethrown apart. */
  private call(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      host.setTimeout(() => {
        throw err;
      }, 0);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
