import type { WebSocketRouteMetrics } from '../../observability/metrics/websocket-metrics.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { GatewayError } from '../../errors/gateway-error.js';
import { AuthFailure } from '../../filters/auth/auth-failure.js';
import type { Credential } from '../../filters/auth/credentials.js';
import type { Identity } from '../../data-plane/identity.js';
import { closeSocket } from '../open-sockets.js';
import type { GatewaySocket, SocketSession } from '../socket-session.js';
import type { ChannelHub } from './channel-hub.js';
import { MessageRate } from './message-rate.js';
import { forwardMessage } from './message-router.js';
import {
  CLOSE_INTERNAL,
  CLOSE_NORMAL,
  CLOSE_POLICY,
  CLOSE_TOO_BIG,
  type ClientMessage,
} from './hub-protocol.js';
import type { HubMessageFormat } from './hub-message-format.js';
import type { ChannelPolicy, HubServerSettings, MessageRoute } from './hub-settings.js';

/** What the upgrade knew about the client. */
export interface ConnectionOrigin {
  /** The route fingerprint (see SocketSession.configKey). */
  configKey: string;
  identity: Identity | null;
  /** The credential, kept only when every message is verified (validate_token_per_message). */
  credential: Credential | null;
  /** The upgrade's Origin header. */
  origin: string | null;
  remoteAddress: string;
  tenant: string | null;
  /** Its route's WebSocket series; null when metrics are off. */
  metrics: WebSocketRouteMetrics | null;
  /** Its route's `message_format`. */
  format: HubMessageFormat;
}

/** One subscription of a connection: a channel or a pattern. */
export interface Subscription {
  name: string;
  pattern: boolean;
  /** The policy it was checked against; a reload that changes it closes the connection. */
  policy: ChannelPolicy;
  topic: string;
  /** Joined its uWS topic (false while its history is replayed). */
  attached: boolean;
  /** The topic's totals when joined, for bytes-out figures. */
  bytesAtStart: number;
  messagesAtStart: number;
}

/** The `gateway_id` of `connected` frames and of the hub health route. */
export const GATEWAY_ID = hostname();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One hub client: the protocol's message handling and its timers' state. The hub owns the
 * channel bookkeeping; this object answers the client and checks what concerns it alone
 * (size, rate, auth expiry, liveness).
 */
export class HubConnection implements SocketSession {
  readonly configKey: string;
  readonly origin: string | null;
  readonly remoteAddress: string;
  readonly tenant: string | null;
  readonly since = Date.now();
  /** Decodes what the client sends and encodes everything sent to it. */
  readonly format: HubMessageFormat;
  identity: Identity | null;
  ws: GatewaySocket | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  bytesIn = 0;
  messagesIn = 0;
  /** Sent directly (acks, errors, replays); topic deliveries are counted by the hub. */
  bytesOut = 0;
  messagesOut = 0;
  private closed = false;
  private lastMessageAt = this.since;
  private lastPingAt = this.since;
  /** When the unanswered ping was sent; 0 when none is pending. */
  private pingSentAt = 0;
  private expiryNotified = false;
  private rate: MessageRate | null = null;
  private credential: Credential | null;
  /** validate_token_per_message: messages wait here for their verification, in order. */
  private verified: Promise<void> = Promise.resolve();
  /** Budgets of channels with their own rate_limit, by concrete channel name. */
  private readonly publishRates = new Map<string, MessageRate>();
  private readonly metrics: WebSocketRouteMetrics | null;
  private readonly held = new Map<string, Array<{ seq: number; frame: string }>>();

  constructor(
    private readonly hub: ChannelHub,
    readonly id: string,
    from: ConnectionOrigin,
  ) {
    this.configKey = from.configKey;
    this.identity = from.identity;
    this.credential = from.credential;
    this.origin = from.origin;
    this.remoteAddress = from.remoteAddress;
    this.tenant = from.tenant;
    this.metrics = from.metrics;
    this.format = from.format;
  }

  get subject(): string | null {
    return this.identity?.subject ?? null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  open(ws: GatewaySocket): void {
    this.ws = ws;
    this.metrics?.connectionOpened();
    this.hub.opened(this);
    const settings = this.hub.current;
    this.send(
      this.format.connected({
        connectionId: this.id,
        gatewayId: GATEWAY_ID,
        user: this.subject,
        pingIntervalMs: settings?.server.pingIntervalMs ?? 0,
        historyEpoch: settings?.history.epoch ?? 'shared',
        ts: Date.now(),
      }),
    );
  }

  message(ws: GatewaySocket, data: ArrayBuffer, isBinary: boolean): void {
    const s = this.hub.current;
    const credential = this.credential;
    if (s !== null && s.server.verifyEachMessage && credential !== null) {
      if (data.byteLength > s.server.maxMessageBytes) {
        this.end(CLOSE_TOO_BIG, 'message too big');
        return;
      }
      // uWS reuses the buffer once this callback returns.
      const copy = data.slice(0);
      this.verified = this.verified.then(() =>
        s.auth.verifyCredential(credential).then(
          () => this.handleSafely(copy, isBinary),
          (err: unknown) => {
            if (this.stillValid(err, s.server)) this.handleSafely(copy, isBinary);
          },
        ),
      );
      return;
    }
    this.handleSafely(data, isBinary);
  }

  private handleSafely(data: ArrayBuffer, isBinary: boolean): void {
    if (this.closed) return;
    try {
      this.receive(data, isBinary);
    } catch (err) {
      this.hub.failed(err, this);
      this.end(CLOSE_INTERNAL, 'internal error');
    }
  }

  /**
   * A failed per-message verification: an expiry inside the grace period still lets the
   * message through (it may be the `auth` message that refreshes the token); any other refusal
   * closes the connection; a provider that cannot answer drops only the message.
   */
  private stillValid(err: unknown, server: HubServerSettings): boolean {
    if (this.closed) return false;
    if (!(err instanceof AuthFailure)) {
      this.hub.failed(err, this);
      this.send(
        this.format.error(
          undefined,
          'SERVICE_UNAVAILABLE',
          'the credential cannot be checked now; message dropped',
        ),
      );
      return false;
    }
    const expiresAt = this.identity?.expiresAt;
    if (
      err.reason === 'expired' &&
      expiresAt !== undefined &&
      Date.now() < expiresAt + server.authGraceMs
    ) {
      return true;
    }
    this.send(this.format.error(undefined, 'UNAUTHORIZED', err.message));
    this.end(CLOSE_POLICY, 'credential no longer valid');
    return false;
  }

  private receive(data: ArrayBuffer, isBinary: boolean): void {
    const s = this.hub.current;
    if (s === null) return;
    const server = s.server;
    if (data.byteLength > server.maxMessageBytes) {
      this.end(CLOSE_TOO_BIG, 'message too big');
      return;
    }
    const now = Date.now();
    this.bytesIn += data.byteLength;
    this.messagesIn++;
    this.metrics?.messageReceived(data.byteLength);
    this.lastMessageAt = now;
    if (server.rate !== null) {
      this.rate ??= new MessageRate(now, server.rate.burst);
      if (!this.rate.take(now, server.rate.perMinute, server.rate.burst)) {
        if (this.rate.refusedInRow >= server.rate.burst) {
          this.end(CLOSE_POLICY, 'message rate limit exceeded');
        } else {
          this.send(
            this.format.error(
              undefined,
              'RATE_LIMITED',
              `more than ${server.rate.perMinute} messages a minute; message dropped`,
            ),
          );
        }
        return;
      }
    }
    const sid = this.identity?.claims?.sid;
    if (typeof sid === 'string') s.sessionActivity?.(sid);
    if (isBinary) {
      this.send(
        this.format.error(undefined, 'BAD_MESSAGE', 'binary messages are not part of the protocol'),
      );
      return;
    }
    let text: string;
    try {
      text = decoder.decode(data);
    } catch {
      this.send(this.format.error(undefined, 'BAD_MESSAGE', 'the message is not UTF-8'));
      return;
    }
    const parsed = this.format.decode(text);
    if ('error' in parsed) {
      this.send(this.format.error(undefined, 'BAD_MESSAGE', parsed.error));
      return;
    }
    this.handle(parsed, text);
  }

  private handle(m: ClientMessage, text: string): void {
    const { fields, id } = m;
    switch (m.type) {
      case 'subscribe': {
        const since = fields.since;
        if (since !== undefined && !(Number.isSafeInteger(since) && (since as number) >= 0)) {
          this.send(
            this.format.error(
              id,
              'BAD_MESSAGE',
              '"since" must be a sequence number (an integer ≥ 0)',
            ),
          );
          return;
        }
        this.hub.subscribe(this, fields.channel, since as number | undefined, id).catch((err) => {
          this.hub.failed(err, this);
          this.send(this.format.error(id, 'INTERNAL_ERROR', 'the subscription failed'));
        });
        return;
      }
      case 'unsubscribe':
        this.hub.unsubscribe(this, fields.channel, id);
        return;
      case 'publish':
        this.hub.publishFrom(this, fields.channel, fields, id);
        return;
      case 'ping':
        this.send(this.format.pong(id, Date.now()));
        return;
      case 'pong':
        this.pingSentAt = 0;
        return;
      case 'auth':
        this.reauthenticate(fields.token, id);
        return;
      default: {
        const route = this.hub.current?.messageRoutes.get(m.type);
        if (route === undefined) {
          this.send(this.format.error(id, 'UNKNOWN_TYPE', `unknown message type "${m.type}"`));
          return;
        }
        this.route(route, text, id);
      }
    }
  }

  /** Whether a publish to `channel` fits its own rate_limit (the server's was taken already). */
  takePublish(channel: string, rate: { perMinute: number; burst: number }): boolean {
    const now = Date.now();
    let budget = this.publishRates.get(channel);
    if (budget === undefined) {
      budget = new MessageRate(now, rate.burst);
      this.publishRates.set(channel, budget);
    }
    return budget.take(now, rate.perMinute, rate.burst);
  }

  /** In-band re-authentication: a fresh token for the same user extends the connection. */
  private reauthenticate(token: unknown, id: string | number | undefined): void {
    const auth = this.hub.current?.auth;
    const verify = auth?.verifyToken ?? null;
    if (verify === null) {
      this.send(this.format.error(id, 'UNAUTHORIZED', 'no authentication is configured'));
      return;
    }
    if (typeof token !== 'string' || token === '') {
      this.send(this.format.error(id, 'BAD_MESSAGE', 'auth needs "token"'));
      return;
    }
    verify(token).then(
      (identity) => {
        if (this.closed) return;
        if (this.identity !== null && identity.subject !== this.identity.subject) {
          this.send(this.format.error(id, 'FORBIDDEN', 'the token is for another user'));
          return;
        }
        this.identity = identity;
        if (this.hub.current?.server.verifyEachMessage === true) {
          this.credential = auth?.tokenCredential(token) ?? null;
        }
        this.expiryNotified = false;
        this.send(this.format.authenticated(id, identity.subject, identity.expiresAt ?? null));
      },
      (err: unknown) => {
        const message =
          err instanceof AuthFailure ? err.message : 'the token cannot be checked now';
        this.send(this.format.error(id, 'UNAUTHORIZED', message));
      },
    );
  }

  private route(route: MessageRoute, text: string, id: string | number | undefined): void {
    const identity = this.identity;
    if (route.roles !== null && !identity?.roles.some((r) => route.roles?.has(r))) {
      this.send(
        this.format.error(
          id,
          'FORBIDDEN',
          `message type "${route.type}" needs one of the roles ${[...route.roles].join(', ')}`,
        ),
      );
      return;
    }
    const headers: Record<string, string> = {
      'x-request-id': randomUUID(),
      'x-websocket-connection-id': this.id,
      'x-forwarded-for': this.remoteAddress,
    };
    if (identity !== null) {
      const built = this.hub.current?.contextHeaders.build(identity);
      if (built instanceof GatewayError) {
        this.send(this.format.error(id, 'FORBIDDEN', built.message));
        return;
      }
      for (const [name, value] of built ?? []) headers[name] = value;
    }
    forwardMessage(route, text, headers).then(
      (reply) => {
        if (reply.ok) {
          this.send(this.format.routed(id, route, reply.status, reply.data));
        } else {
          this.send(this.format.error(id, reply.code, reply.message, reply.status));
        }
      },
      () =>
        this.send(this.format.error(id, 'INTERNAL_ERROR', 'the message could not be forwarded')),
    );
  }

  /** Called by the hub's sweep: pings, pong and idle timeouts, token expiry, slow consumers. */
  sweep(now: number, server: HubServerSettings, maxBufferedBytes: number): void {
    const ws = this.ws;
    if (this.closed || ws === null) return;
    if (this.pingSentAt !== 0 && now - this.pingSentAt >= server.pongTimeoutMs) {
      this.end(CLOSE_POLICY, 'pong timeout');
      return;
    }
    if (server.idleTimeoutMs > 0 && now - this.lastMessageAt >= server.idleTimeoutMs) {
      this.end(CLOSE_NORMAL, 'idle timeout');
      return;
    }
    const expiresAt = this.identity?.expiresAt;
    if (expiresAt !== undefined && now >= expiresAt) {
      if (now >= expiresAt + server.authGraceMs) {
        this.end(CLOSE_POLICY, 'token expired');
        return;
      }
      if (!this.expiryNotified) {
        this.expiryNotified = true;
        this.send(
          this.format.error(
            undefined,
            'TOKEN_EXPIRED',
            `the token expired; send an auth message with a fresh one within ${server.authGraceMs} ms`,
          ),
        );
      }
    }
    if (ws.getBufferedAmount() > maxBufferedBytes) {
      this.end(CLOSE_POLICY, 'too slow to receive');
      return;
    }
    if (
      server.pingIntervalMs > 0 &&
      this.pingSentAt === 0 &&
      now - this.lastPingAt >= server.pingIntervalMs
    ) {
      this.lastPingAt = now;
      this.pingSentAt = now;
      if (server.pingFormat === 'json') this.send(this.format.ping(now));
      else ws.ping();
    }
  }

  /** Runs `sends` as one batch of writes (uWS sends once at the end). */
  cork(sends: () => void): void {
    if (this.closed || this.ws === null) return;
    this.ws.cork(sends);
  }

  send(frame: string): void {
    if (this.closed || this.ws === null) return;
    this.ws.send(frame, false);
    const bytes = Buffer.byteLength(frame);
    this.bytesOut += bytes;
    this.messagesOut++;
    this.metrics?.messageSent(bytes);
  }

  /** @internal Live messages of a channel are held while its history is being read. */
  startHolding(channel: string): void {
    this.held.set(channel, []);
  }

  hold(channel: string, seq: number, frame: string): void {
    this.held.get(channel)?.push({ seq, frame });
  }

  stopHolding(channel: string): Array<{ seq: number; frame: string }> {
    const held = this.held.get(channel) ?? [];
    this.held.delete(channel);
    return held;
  }

  /** A subscription left its topic: what it received there now counts as sent directly. */
  retireTopicBytes(bytes: number, messages: number): void {
    this.bytesOut += bytes;
    this.messagesOut += messages;
  }

  private end(code: number, reason: string): void {
    if (this.ws !== null) closeSocket(this.ws, code, reason);
  }

  drain(): void {
    // Deliveries go through uWS topics, which buffer per socket; the sweep closes slow consumers.
  }

  pong(): void {
    this.pingSentAt = 0;
  }

  close(): void {
    this.closed = true;
    this.metrics?.connectionClosed((Date.now() - this.since) / 1000);
    this.held.clear();
    this.hub.closed(this);
  }
}
