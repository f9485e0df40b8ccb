import type { Identity } from '../../data-plane/identity.js';
import type { Logger } from '../../observability/logger.js';
import { closeSocket, closeSpread, SERVICE_RESTART } from '../open-sockets.js';
import type { GatewaySocket } from '../socket-session.js';
import type { ChannelBus } from './channel-bus.js';
import type { ChannelMessage } from './channel-message.js';
import { compileChannelPattern, isChannelPattern, isValidChannelName } from './channel-pattern.js';
import { HubConnection, type ConnectionOrigin, type Subscription } from './hub-connection.js';
import type { HubErrorCode } from './hub-protocol.js';
import type { HubMessageFormat } from './hub-message-format.js';
import { HUB_MESSAGE_FORMATS } from './hub-message-formats.js';
import { EventFrames } from './event-frames.js';
import type { ChannelPolicy, HubSettings } from './hub-settings.js';

/** What a message published into the hub carries; the history store adds seq. */
export interface PublishInput {
  /** A concrete channel name. */
  channel: string;
  data: unknown;
  /** The publisher's subject, "service:<source>" for ingress, or null. */
  from: string | null;
  /** user_specific channels: the one user whose connections get it. */
  targetUser?: string | null;
}

/** One connection, as the admin API and presence see it. */
export interface HubConnectionInfo {
  id: string;
  subject: string | null;
  tenant: string | null;
  roles: readonly string[];
  /** Subscribed channels and patterns. */
  channels: string[];
  /** Epoch ms of the upgrade. */
  since: number;
  remoteAddress: string;
  origin: string | null;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
}

export interface HubStats {
  connections: number;
  authenticated: number;
  subscriptions: number;
  /** Channels and patterns with at least one local subscriber. */
  channels: number;
  /** Messages published through this instance since it started. */
  published: number;
  /** Messages this instance delivered locally (once per message, not per subscriber). */
  delivered: number;
}

export type ConnectionListener = (info: HubConnectionInfo, identity: Identity | null) => void;

export interface ChannelHubOptions {
  /** uWS topic publish of the listener (HttpServer.publish). */
  publish: (topic: string, message: string) => boolean;
  logger: Logger;
}

/** A topic with local subscribers: how much has been published to it, for bytes-out figures. */
interface TopicCounter {
  subscribers: number;
  bytes: number;
  messages: number;
}

interface ActivePattern {
  subscribers: number;
  policy: ChannelPolicy;
  matches: (channel: string) => boolean;
}

/** Slowest sweep; shorter timeouts sweep more often (a quarter of the shortest). */
const MAX_SWEEP_MS = 1000;
const MIN_SWEEP_MS = 20;
/** A connection whose unsent data grows beyond this is closed instead of buffering forever. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const PATTERN_CACHE_LIMIT = 10_000;

/**
 * The gateway's channel hub. It outlives route tables: each install hands it the compiled
 * `websocket` block (configure), and connections stay unless their channel's policy changed.
 * Every message goes store.append → bus.publish → deliver (on every instance), and delivery is
 * one uWS topic publish per matching subscription kind, so fan-out costs no JS per subscriber.
 * Timers are one sweep per hub: pings, pong and idle timeouts, token expiry, slow consumers.
 */
export class ChannelHub {
  private settings: HubSettings | null = null;
  private bus: ChannelBus | null = null;
  private readonly connectionsById = new Map<string, HubConnection>();
  /** Local subscribers per channel or pattern name (user-specific ones counted together). */
  private readonly subscriberCounts = new Map<string, number>();
  private readonly topics = new Map<string, TopicCounter>();
  private readonly patterns = new Map<string, ActivePattern>();
  /** Concrete channel → the active patterns its messages also go to. */
  private patternCache = new Map<string, string[]>();
  /** Connections waiting for a channel's history: live messages are held for them meanwhile. */
  private readonly replaying = new Map<string, Set<HubConnection>>();
  private readonly connectListeners: ConnectionListener[] = [];
  private readonly disconnectListeners: ConnectionListener[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweepMs = 0;
  private published = 0;
  private delivered = 0;
  private nextId = 0;
  private readonly idPrefix = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(private readonly o: ChannelHubOptions) {}

  /** The settings in force; null while no config has a hub. */
  get current(): HubSettings | null {
    return this.settings;
  }

  get connectionCount(): number {
    return this.connectionsById.size;
  }

  /**
   * Takes the hub settings of a table that is now in force. Subscribers of a channel whose
   * policy changed or went away are closed with 1012 within `closeWindowMs`.
   */
  configure(settings: HubSettings | null, closeWindowMs: number): void {
    this.settings = settings;
    if (settings !== null && settings.bus !== this.bus) {
      this.bus = settings.bus;
      settings.bus.onMessage((msg) => this.deliver(msg));
    }
    this.patternCache = new Map();
    if (settings === null) {
      this.stopSweep();
      return;
    }
    for (const [name, active] of this.patterns) {
      active.policy = settings.channels.forPattern(name);
    }
    const stale: GatewaySocket[] = [];
    for (const conn of this.connectionsById.values()) {
      for (const sub of conn.subscriptions.values()) {
        const now = settings.channels.forSubscription(sub.name, sub.pattern);
        if (now.fingerprint !== sub.policy.fingerprint && conn.ws !== null) {
          stale.push(conn.ws);
          break;
        }
      }
    }
    if (stale.length > 0) {
      this.o.logger.info(
        { connections: stale.length, window_ms: closeWindowMs },
        'closing hub connections whose channel changed (1012)',
      );
      closeSpread(stale, SERVICE_RESTART, 'channel configuration changed', closeWindowMs);
    }
    this.startSweep(settings);
  }

  /**
   * A service's message to a user_specific channel without a target user would be stored and
   * then delivered to nobody: its sender (the webhook, the admin API) is told instead.
   */
  untargeted(channel: string, targetUser: string | null): string | null {
    const s = this.settings;
    if (s === null || targetUser !== null || !s.channels.forChannel(channel).userSpecific) {
      return null;
    }
    return `channel "${channel}" is user_specific: give target_user, the one user to deliver to`;
  }

  /**
   * Publishes into the hub (clients, the webhook, service ingress): stored, then handed to every
   * instance's subscribers. Resolves with the message and its sequence number.
   */
  async publish(input: PublishInput): Promise<ChannelMessage> {
    const s = this.settings;
    if (s === null) throw new Error('the WebSocket hub is not configured');
    const policy = s.channels.forChannel(input.channel);
    const keep = s.historyEnabled ? policy.history : 0;
    const msg = await s.history.append(
      {
        channel: input.channel,
        data: input.data === undefined ? null : input.data,
        ts: Date.now(),
        from: input.from,
        targetUser: input.targetUser ?? null,
      },
      keep,
      s.historyTtlMs,
    );
    await s.bus.publish(msg);
    this.published++;
    return msg;
  }

  /** Local delivery of one message: one topic publish per subscription kind that wants it. */
  private deliver(msg: ChannelMessage): void {
    const s = this.settings;
    if (s === null) return;
    const policy = s.channels.forChannel(msg.channel);
    const target = msg.targetUser;
    if (policy.userSpecific && target === null) return;
    this.delivered++;
    const frames = new EventFrames(msg);
    const user = policy.userSpecific ? target : null;
    const patterns = this.patterns.size > 0 ? this.patternsFor(msg.channel, policy) : [];
    for (const format of HUB_MESSAGE_FORMATS) {
      this.publishTopic(topicOf(msg.channel, false, user, format), frames, format);
      for (const pattern of patterns) {
        this.publishTopic(topicOf(pattern, true, user, format), frames, format);
      }
    }
    const waiting = this.replaying.get(msg.channel);
    if (waiting !== undefined) {
      for (const conn of waiting) {
        if (!policy.userSpecific || conn.subject === target) {
          conn.hold(msg.channel, msg.seq, frames.in(conn.format).frame);
        }
      }
    }
  }

  /** Only a topic with subscribers gets the message, encoded in its format (once per format). */
  private publishTopic(topic: string, frames: EventFrames, format: HubMessageFormat): void {
    const counter = this.topics.get(topic);
    if (counter === undefined) return;
    const { frame, bytes } = frames.in(format);
    counter.bytes += bytes;
    counter.messages++;
    this.o.publish(topic, frame);
    this.settings?.metrics?.deliveries.messageSent(bytes, counter.subscribers);
  }

  /** Active patterns whose messages include this channel's: same policy, and a match. */
  private patternsFor(channel: string, policy: ChannelPolicy): readonly string[] {
    let found = this.patternCache.get(channel);
    if (found === undefined) {
      found = [];
      for (const [name, active] of this.patterns) {
        if (active.policy.fingerprint === policy.fingerprint && active.matches(channel)) {
          found.push(name);
        }
      }
      if (this.patternCache.size >= PATTERN_CACHE_LIMIT) this.patternCache.clear();
      this.patternCache.set(channel, found);
    }
    return found;
  }

  /** A connection for an accepted upgrade; it registers itself when uWS opens it. */
  createConnection(origin: ConnectionOrigin): HubConnection {
    return new HubConnection(this, `${this.idPrefix}-${(++this.nextId).toString(36)}`, origin);
  }

  /** @internal HubConnection.open */
  opened(conn: HubConnection): void {
    this.connectionsById.set(conn.id, conn);
    for (const listener of this.connectListeners) this.notify(listener, conn);
  }

  /** @internal HubConnection.close */
  closed(conn: HubConnection): void {
    if (!this.connectionsById.delete(conn.id)) return;
    for (const sub of [...conn.subscriptions.values()]) this.removeSubscription(conn, sub);
    for (const listener of this.disconnectListeners) this.notify(listener, conn);
  }

  /** @internal A bug while handling a connection's message: logged with the connection. */
  failed(err: unknown, conn: HubConnection): void {
    this.o.logger.error({ err, connection: conn.id }, 'a hub message failed unexpectedly');
  }

  private notify(listener: ConnectionListener, conn: HubConnection): void {
    try {
      listener(this.info(conn), conn.identity);
    } catch (err) {
      this.o.logger.error({ err }, 'a hub connection listener failed');
    }
  }

  /** @internal The `subscribe` message. */
  async subscribe(
    conn: HubConnection,
    name: unknown,
    since: number | undefined,
    id: string | number | undefined,
  ): Promise<void> {
    const s = this.settings;
    if (s === null) return;
    if (typeof name !== 'string' || !isValidChannelName(name)) {
      conn.send(conn.format.error(id, 'BAD_CHANNEL', 'channel must be a channel name or pattern'));
      return;
    }
    if (conn.subscriptions.has(name)) {
      conn.send(conn.format.subscribed(id, name, 0));
      return;
    }
    const pattern = isChannelPattern(name);
    const policy = s.channels.forSubscription(name, pattern);
    const denied = deniedBy(policy, conn);
    if (denied !== null) {
      conn.send(conn.format.error(id, denied.code, `${denied.message} "${name}"`));
      return;
    }
    const count = this.subscriberCounts.get(name) ?? 0;
    if (count >= policy.maxSubscribers) {
      conn.send(
        conn.format.error(
          id,
          'CHANNEL_FULL',
          `channel "${name}" has its ${policy.maxSubscribers} subscribers`,
        ),
      );
      return;
    }
    this.subscriberCounts.set(name, count + 1);
    const sub: Subscription = {
      name,
      pattern,
      policy,
      topic: topicOf(name, pattern, policy.userSpecific ? conn.subject : null, conn.format),
      attached: false,
      bytesAtStart: 0,
      messagesAtStart: 0,
    };
    conn.subscriptions.set(name, sub);
    if (pattern) {
      this.addPattern(name, policy);
      this.attach(conn, sub);
      conn.send(conn.format.subscribed(id, name, 0));
      return;
    }
    const limit = s.historyEnabled ? policy.history : 0;
    if (limit === 0) {
      this.attach(conn, sub);
      conn.send(conn.format.subscribed(id, name, 0));
      return;
    }
    await this.replay(conn, sub, since ?? 0, limit, id);
  }

  /**
   * Sends the stored messages after `since`, then those that arrived meanwhile, then joins the
   * live topic: nothing is lost or reordered between history and live delivery.
   */
  private async replay(
    conn: HubConnection,
    sub: Subscription,
    since: number,
    limit: number,
    id: string | number | undefined,
  ): Promise<void> {
    const s = this.settings as HubSettings;
    let waiting = this.replaying.get(sub.name);
    if (waiting === undefined) {
      waiting = new Set();
      this.replaying.set(sub.name, waiting);
    }
    waiting.add(conn);
    conn.startHolding(sub.name);
    let stored: ChannelMessage[] = [];
    let failed = false;
    try {
      stored = await s.history.since(sub.name, since, limit);
    } catch (err) {
      failed = true;
      this.o.logger.warn({ err, channel: sub.name }, 'channel history could not be read');
    }
    waiting.delete(conn);
    if (waiting.size === 0) this.replaying.delete(sub.name);
    const held = conn.stopHolding(sub.name);
    if (conn.isClosed || conn.subscriptions.get(sub.name) !== sub) return;
    let replayed = 0;
    conn.cork(() => {
      let last = since;
      for (const m of stored) {
        if (sub.policy.userSpecific && m.targetUser !== conn.subject) continue;
        conn.send(conn.format.event(m.channel, JSON.stringify(m.data), m.seq, m.ts));
        last = Math.max(last, m.seq);
        replayed++;
      }
      for (const h of held) {
        if (h.seq > last) conn.send(h.frame);
      }
    });
    this.attach(conn, sub);
    if (failed) {
      conn.send(
        conn.format.error(
          id,
          'SERVICE_UNAVAILABLE',
          `the history of "${sub.name}" cannot be read now; subscribed without it`,
        ),
      );
    } else {
      conn.send(conn.format.subscribed(id, sub.name, replayed));
    }
  }

  /** @internal The `unsubscribe` message. */
  unsubscribe(conn: HubConnection, name: unknown, id: string | number | undefined): void {
    const sub = typeof name === 'string' ? conn.subscriptions.get(name) : undefined;
    if (sub === undefined) {
      conn.send(
        conn.format.error(id, 'NOT_SUBSCRIBED', `not subscribed to ${JSON.stringify(name)}`),
      );
      return;
    }
    this.removeSubscription(conn, sub);
    conn.send(conn.format.unsubscribed(id, sub.name));
  }

  private removeSubscription(conn: HubConnection, sub: Subscription): void {
    conn.subscriptions.delete(sub.name);
    const count = (this.subscriberCounts.get(sub.name) ?? 1) - 1;
    if (count <= 0) this.subscriberCounts.delete(sub.name);
    else this.subscriberCounts.set(sub.name, count);
    if (sub.attached) this.detach(conn, sub);
    if (sub.pattern) this.removePattern(sub.name);
  }

  /** @internal The `publish` message. */
  publishFrom(
    conn: HubConnection,
    channel: unknown,
    fields: Record<string, unknown>,
    id: string | number | undefined,
  ): void {
    const s = this.settings;
    if (s === null) return;
    if (typeof channel !== 'string' || !isValidChannelName(channel) || isChannelPattern(channel)) {
      conn.send(conn.format.error(id, 'BAD_CHANNEL', 'publish needs one concrete channel name'));
      return;
    }
    if (!('data' in fields)) {
      conn.send(conn.format.error(id, 'BAD_MESSAGE', 'publish needs "data"'));
      return;
    }
    const policy = s.channels.forChannel(channel);
    const denied = deniedBy(policy, conn);
    if (denied !== null) {
      conn.send(conn.format.error(id, denied.code, `${denied.message} "${channel}"`));
      return;
    }
    if (!policy.allowPublish) {
      conn.send(
        conn.format.error(id, 'FORBIDDEN', `clients may not publish to channel "${channel}"`),
      );
      return;
    }
    const rate = policy.publishRate;
    if (rate !== null && !conn.takePublish(channel, rate)) {
      conn.send(
        conn.format.error(
          id,
          'RATE_LIMITED',
          `more than ${rate.perMinute} messages a minute to channel "${channel}"; message dropped`,
        ),
      );
      return;
    }
    this.publish({
      channel,
      data: fields.data,
      from: conn.subject,
      targetUser: policy.userSpecific ? conn.subject : null,
    }).then(
      (msg) => conn.send(conn.format.published(id, channel, msg.seq)),
      (err: unknown) => {
        this.o.logger.warn({ err, channel }, 'a hub publish failed');
        conn.send(conn.format.error(id, 'INTERNAL_ERROR', 'the message could not be published'));
      },
    );
  }

  private attach(conn: HubConnection, sub: Subscription): void {
    let counter = this.topics.get(sub.topic);
    if (counter === undefined) {
      counter = { subscribers: 0, bytes: 0, messages: 0 };
      this.topics.set(sub.topic, counter);
    }
    counter.subscribers++;
    this.settings?.metrics?.channel(sub.policy.key).subscribed();
    sub.bytesAtStart = counter.bytes;
    sub.messagesAtStart = counter.messages;
    sub.attached = true;
    conn.ws?.subscribe(sub.topic);
  }

  private detach(conn: HubConnection, sub: Subscription): void {
    sub.attached = false;
    this.settings?.metrics?.channel(sub.policy.key).unsubscribed();
    const counter = this.topics.get(sub.topic);
    if (counter === undefined) return;
    conn.retireTopicBytes(counter.bytes - sub.bytesAtStart, counter.messages - sub.messagesAtStart);
    if (!conn.isClosed) conn.ws?.unsubscribe(sub.topic);
    if (--counter.subscribers === 0) this.topics.delete(sub.topic);
  }

  private addPattern(name: string, policy: ChannelPolicy): void {
    const active = this.patterns.get(name);
    if (active !== undefined) {
      active.subscribers++;
      return;
    }
    this.patterns.set(name, { subscribers: 1, policy, matches: compileChannelPattern(name) });
    this.patternCache = new Map();
  }

  private removePattern(name: string): void {
    const active = this.patterns.get(name);
    if (active === undefined) return;
    if (--active.subscribers > 0) return;
    this.patterns.delete(name);
    this.patternCache = new Map();
  }

  /** Bytes and messages a connection received through its topics, attached ones included. */
  topicTotals(conn: HubConnection): { bytes: number; messages: number } {
    let bytes = 0;
    let messages = 0;
    for (const sub of conn.subscriptions.values()) {
      const counter = sub.attached ? this.topics.get(sub.topic) : undefined;
      if (counter === undefined) continue;
      bytes += counter.bytes - sub.bytesAtStart;
      messages += counter.messages - sub.messagesAtStart;
    }
    return { bytes, messages };
  }

  private startSweep(s: HubSettings): void {
    const { pingIntervalMs, pongTimeoutMs, idleTimeoutMs, authGraceMs } = s.server;
    const shortest = Math.min(
      ...[pingIntervalMs, pongTimeoutMs, idleTimeoutMs, authGraceMs].filter((ms) => ms > 0),
      MAX_SWEEP_MS * 4,
    );
    const ms = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, Math.floor(shortest / 4)));
    if (this.sweepTimer !== null && ms === this.sweepMs) return;
    this.stopSweep();
    this.sweepMs = ms;
    this.sweepTimer = setInterval(() => this.sweep(), ms);
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private sweep(): void {
    const s = this.settings;
    if (s === null) return;
    const now = Date.now();
    for (const conn of this.connectionsById.values()) conn.sweep(now, s.server, MAX_BUFFERED_BYTES);
  }

  // Operations for the admin API and presence.

  connections(): HubConnectionInfo[] {
    return [...this.connectionsById.values()].map((c) => this.info(c));
  }

  connection(id: string): HubConnectionInfo | null {
    const conn = this.connectionsById.get(id);
    return conn === undefined ? null : this.info(conn);
  }

  /** Closes one connection; false when there is no such connection. */
  disconnect(id: string, code: number, reason: string): boolean {
    const conn = this.connectionsById.get(id);
    if (conn?.ws == null) return false;
    closeSocket(conn.ws, code, reason);
    return true;
  }

  /** Sends a JSON value to one connection as `{type: "message", data}`; false when it is gone. */
  sendTo(id: string, data: unknown): boolean {
    const conn = this.connectionsById.get(id);
    if (conn === undefined || conn.isClosed) return false;
    conn.send(conn.format.message(data));
    return true;
  }

  /** Local subscribers per channel or pattern. */
  channelStats(): Array<{ channel: string; subscribers: number }> {
    return [...this.subscriberCounts].map(([channel, subscribers]) => ({ channel, subscribers }));
  }

  stats(): HubStats {
    let authenticated = 0;
    let subscriptions = 0;
    for (const conn of this.connectionsById.values()) {
      if (conn.identity !== null) authenticated++;
      subscriptions += conn.subscriptions.size;
    }
    return {
      connections: this.connectionsById.size,
      authenticated,
      subscriptions,
      channels: this.subscriberCounts.size,
      published: this.published,
      delivered: this.delivered,
    };
  }

  /** Called after each connection opens; returns a function that removes the listener. */
  onConnect(listener: ConnectionListener): () => void {
    return addListener(this.connectListeners, listener);
  }

  /** Called after each connection closes, its subscriptions already removed. */
  onDisconnect(listener: ConnectionListener): () => void {
    return addListener(this.disconnectListeners, listener);
  }

  private info(conn: HubConnection): HubConnectionInfo {
    const topics = this.topicTotals(conn);
    return {
      id: conn.id,
      subject: conn.subject,
      tenant: conn.tenant,
      roles: conn.identity?.roles ?? [],
      channels: [...conn.subscriptions.keys()],
      since: conn.since,
      remoteAddress: conn.remoteAddress,
      origin: conn.origin,
      bytesIn: conn.bytesIn,
      bytesOut: conn.bytesOut + topics.bytes,
      messagesIn: conn.messagesIn,
      messagesOut: conn.messagesOut + topics.messages,
    };
  }
}

function addListener(list: ConnectionListener[], listener: ConnectionListener): () => void {
  list.push(listener);
  return () => {
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * Topics: one per channel, one per pattern, and per user for user_specific channels, each per
 * message format. Channel names have no newline, so it separates the parts unambiguously.
 */
function topicOf(
  name: string,
  pattern: boolean,
  user: string | null,
  format: HubMessageFormat,
): string {
  const kind = `${format.tag}${pattern ? 'p' : 'c'}`;
  return user === null ? `${kind}\n${name}` : `${kind}u\n${name}\n${user}`;
}

/** Why a connection may not use a channel of this policy; null when it may. */
function deniedBy(
  policy: ChannelPolicy,
  conn: HubConnection,
): { code: HubErrorCode; message: string } | null {
  const identity = conn.identity;
  if (policy.requireAuth && identity === null) {
    return { code: 'UNAUTHORIZED', message: 'authentication is required for channel' };
  }
  if (
    policy.requiredRoles.length > 0 &&
    !policy.requiredRoles.some((role) => identity?.roles.includes(role) === true)
  ) {
    return {
      code: 'FORBIDDEN',
      message: `one of the roles ${policy.requiredRoles.join(', ')} is required for channel`,
    };
  }
  if (
    policy.allowedOrigins !== null &&
    (conn.origin === null || !policy.allowedOrigins.has(conn.origin))
  ) {
    return { code: 'FORBIDDEN', message: 'this origin may not use channel' };
  }
  return null;
}
