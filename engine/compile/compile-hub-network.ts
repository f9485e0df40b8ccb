import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import type { ConfigPath } from '../config/config-problem.js';
import type { Exchange } from '../data-plane/exchange.js';
import { sendJson } from '../data-plane/generated-json.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import { apiKeyDigest } from '../filters/auth/hash-api-key.js';
import type { Logger } from '../observability/logger.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import { createRedisClient, type RedisClient } from '../state/redis-connection.js';
import {
  redisTargetKey,
  redisTargetOf,
  serverTarget,
  type RedisTarget,
} from '../state/redis-target.js';
import type { ChannelBus } from '../websocket/hub/channel-bus.js';
import type { HistoryStore } from '../websocket/hub/history-store.js';
import { HUB_BUS_CHANNEL, RedisChannelBus } from '../websocket/hub/redis-channel-bus.js';
import { RedisHistoryStore } from '../websocket/hub/redis-history-store.js';
import type { IngressEvent } from '../websocket/ingress/ingress-event.js';
import { compileIngressRules, type IngressRules } from '../websocket/ingress/ingress-rules.js';
import {
  RedisPubsubIngress,
  type IngressTarget,
} from '../websocket/ingress/redis-pubsub-ingress.js';
import { createWebhookHandler } from '../websocket/ingress/webhook-handler.js';
import {
  RabbitmqIngress,
  type RabbitmqIngressSettings,
} from '../websocket/ingress/rabbitmq-ingress.js';
import { NatsIngress, type NatsIngressSettings } from '../websocket/ingress/nats-ingress.js';
import type { MessageQueueIngress } from '../websocket/ingress/message-queue-status.js';
import { PresenceTracker, type PresenceEvents } from '../websocket/presence/presence-tracker.js';
import type { AccessControl } from './access-control.js';
import type { Share } from '../state/shared-objects.js';
import { builtInRoute, type CompiledRoute } from '../data-plane/compiled-route.js';
import { duration } from '../config/units.js';
import type { ServerSettings } from './server-settings.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const P = CONFIG_DEFAULTS.websocket.presence;

/** This process among the instances sharing a Redis (presence entries, admin listings). */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export const DEFAULT_WEBHOOK_PATH = '/webhook/websocket';
export const DEFAULT_PRESENCE_PATH = '/presence/online-users';

/** A built-in route of the hub with the config path its problems are reported at. */
export interface HubBuiltInRoute {
  route: CompiledRoute;
  pattern: PathPattern;
  at: ConfigPath;
}

/**
 * History and bus in Redis when the config has a top-level `redis` block: the bus always (so a
 * message reaches every instance), history unless persistence.storage says memory. Null: the
 * hub keeps its memory versions. Both outlive tables like every shared object.
 */
export function redisHubBackends(
  config: GatewayConfig,
  redis: (target: RedisTarget) => RedisClient,
  share: Share,
  logger: Logger,
  offline: boolean,
): { history: HistoryStore | null; bus: ChannelBus } | null {
  const target = redisTargetOf(config);
  if (target === undefined || offline) return null;
  const client = redis(target);
  // On a cluster, sharded pub/sub carries the bus within one shard instead of to every node.
  const sharded = target.kind === 'cluster' && target.shardedPubsub;
  const bus = share(
    `hub bus redis ${redisTargetKey(target)}`,
    () =>
      new RedisChannelBus(
        client,
        createRedisClient(target, logger, {
          connectionName: 'gatewayd-hub-bus',
          shardedSubscribers: sharded,
        }),
        logger,
        HUB_BUS_CHANNEL,
        sharded,
      ),
    (b) => b.close(),
  );
  const storage = config.websocket?.routing?.persistence?.storage;
  const history =
    storage === 'memory'
      ? null
      : share(`hub history redis ${redisTargetKey(target)}`, () => new RedisHistoryStore(client));
  return { history, bus };
}

/** `integration.redis_pubsub`: its own subscriber connection, shared across reloads. */
export function startRedisPubsubIngress(
  config: GatewayConfig,
  share: Share,
  logger: Logger,
  offline: boolean,
  target: IngressTarget,
): void {
  const pubsub = config.websocket?.integration?.redis_pubsub;
  const source = pubsub?.url === undefined ? redisTargetOf(config) : serverTarget(pubsub.url);
  if (offline || pubsub?.enabled !== true || source === undefined) return;
  const channels = [...new Set(pubsub.channels ?? [])].sort();
  if (channels.length === 0) return;
  share(
    `hub redis_pubsub ${redisTargetKey(source)} ${channels.join(',')}`,
    () =>
      new RedisPubsubIngress(
        createRedisClient(source, logger, { connectionName: 'gatewayd-hub-ingress' }),
        channels,
        target,
        logger,
      ),
    (i) => i.close(),
  );
}

type MessageQueueSettings =
  ({ type: 'rabbitmq' } & RabbitmqIngressSettings) | ({ type: 'nats' } & NatsIngressSettings);

/**
 * `integration.message_queue` with its defaults: on RabbitMQ a topic exchange bound with `#`;
 * and the queue (RabbitMQ) or queue group (NATS) that suits how the hub's instances meet (see
 * the schema's `queue`). Null when off or of a type without a consumer.
 */
export function messageQueueSettings(config: GatewayConfig): MessageQueueSettings | null {
  const mq = config.websocket?.integration?.message_queue;
  const D = CONFIG_DEFAULTS.websocket.integration.message_queue;
  if (mq?.enabled !== true || mq.url === undefined || mq.exchange === undefined) return null;
  // With a Redis bus one instance's publish reaches every instance: a queue of each would
  // deliver every event once per instance.
  const shared = config.redis !== undefined;
  const type = mq.type ?? D.type;
  if (type === 'nats') {
    return {
      type,
      url: mq.url,
      subject: mq.exchange,
      queue: mq.queue ?? (shared ? 'gatewayd' : null),
    };
  }
  if (type !== 'rabbitmq') return null;
  return {
    type,
    url: mq.url,
    exchange: mq.exchange,
    exchangeType: mq.exchange_type ?? D.exchange_type,
    bindingKeys: mq.binding_keys ?? ['#'],
    queue: mq.queue ?? (shared ? `gatewayd.${mq.exchange}` : null),
  };
}

/** `integration.message_queue`: its own broker connection, shared across reloads. */
export function startMessageQueueIngress(
  config: GatewayConfig,
  share: Share,
  logger: Logger,
  offline: boolean,
  target: IngressTarget,
): MessageQueueIngress | null {
  const settings = messageQueueSettings(config);
  if (offline || settings === null) return null;
  // The key holds the URL's password: it is never logged.
  return share<MessageQueueIngress>(
    `hub message_queue ${JSON.stringify(settings)}`,
    () =>
      settings.type === 'nats'
        ? new NatsIngress(settings, target, logger)
        : new RabbitmqIngress(settings, target, logger),
    (i) => i.close(),
  );
}

/** `POST <integration.webhook.path>`; null unless the webhook is enabled with a token. */
export function compileWebhookRoute(
  config: GatewayConfig,
  rules: IngressRules,
  settings: ServerSettings,
  publish: (event: IngressEvent, source: string) => Promise<{ seq: number }>,
  logger: Logger,
): HubBuiltInRoute | null {
  const webhook = config.websocket?.integration?.webhook;
  if (webhook?.enabled !== true || webhook.auth_token === undefined) return null;
  const path = webhook.path ?? DEFAULT_WEBHOOK_PATH;
  const handle = createWebhookHandler({
    tokenDigest: apiKeyDigest(webhook.auth_token),
    rules,
    maxBodyBytes: settings.maxBodyBytes,
    bodyTimeoutMs: settings.requestTimeoutMs,
    publish,
    onPublishError: (err, ex) =>
      logger.warn(
        { err: (err as Error).message, request_id: ex.requestId },
        'webhook: the hub could not take the message',
      ),
  });
  return {
    pattern: parsePathPattern(path),
    at: ['websocket', 'integration', 'webhook', 'path'],
    route: builtInRoute({
      name: `built-in webhook ${path}`,
      path,
      methods: ['POST'],
      target: 'websocket hub',
      filters: ['bearer token'],
      handle,
      envelope: settings.responseEnvelope,
    }),
  };
}

export interface CompiledPresence {
  /** Shared across reloads while the redis block stays the same. */
  tracker: PresenceTracker;
  ttlMs: number;
  /** Contains {tenant}. */
  adminChannel: string;
  /** Null: the hub's own tenant reading. */
  tenantClaim: string | null;
  route: HubBuiltInRoute;
}

/**
 * `websocket.presence`: the tracker (needs Redis; null without it or when off) and the
 * GET endpoint listing a tenant's online users, behind the same guards as a configured route
 * with auth_required and the presence block's required_roles.
 */
export function compilePresence(
  config: GatewayConfig,
  settings: ServerSettings,
  access: AccessControl,
  redis: (target: RedisTarget) => RedisClient,
  share: Share,
  logger: Logger,
  events: PresenceEvents,
): CompiledPresence | null {
  const presence = config.websocket?.presence;
  const target = redisTargetOf(config);
  if (presence === undefined || presence.enabled === false || target === undefined) return null;
  if (config.websocket?.enabled === false) return null;
  const ttlMs = duration(presence.ttl, P.ttl);
  const client = redis(target);
  // One tracker per Redis, whatever the other settings: a second one would share this
  // process's heartbeat key, and closing the first would delete it under the second.
  const tracker = share(
    `hub presence ${redisTargetKey(target)}`,
    () => new PresenceTracker(client, INSTANCE_ID, ttlMs, events, logger),
    (p) => p.stop(),
  );
  const tenantClaim = presence.tenant_claim ?? null;
  const path = presence.path ?? DEFAULT_PRESENCE_PATH;
  const rc: RouteConfig = {
    path,
    methods: ['GET'],
    auth_required: true,
    required_roles: presence.required_roles ?? [...P.required_roles],
  };
  const name = `built-in presence ${path}`;
  const list = createPresenceList(tracker, tenantClaim);
  const chain = access.chainFor(rc, name, list);
  return {
    tracker,
    ttlMs,
    adminChannel: presence.admin_channel ?? P.admin_channel,
    tenantClaim,
    route: {
      pattern: parsePathPattern(path),
      at: ['websocket', 'presence', 'path'],
      route: builtInRoute({
        name,
        path,
        methods: ['GET', 'HEAD'],
        target: 'websocket presence',
        filters: chain.descriptions,
        handle: chain.handle,
        envelope: settings.responseEnvelope,
      }),
    },
  };
}

/**
 * Seed 002's `GET /api/chat/online-users?tenantId=` answer, {"users": [...]}. The tenant comes
 * from `tenantId` or X-Tenant-ID; a caller whose identity carries the tenant claim may only ask
 * for its own tenant.
 */
function createPresenceList(tracker: PresenceTracker, tenantClaim: string | null) {
  return function onlineUsers(ex: Exchange): void {
    const tenant = new URLSearchParams(ex.query).get('tenantId') ?? ex.header('x-tenant-id') ?? '';
    if (tenant === '') {
      sendError(ex, new GatewayError('BAD_REQUEST', 'tenantId (query) or X-Tenant-ID: required'));
      return;
    }
    const claims = ex.identity?.claims;
    const own =
      tenantClaim === null ? (claims?.tenant_id ?? claims?.tenant) : claims?.[tenantClaim];
    if (own !== undefined && String(own) !== tenant) {
      sendError(ex, new GatewayError('FORBIDDEN', 'this identity may only list its own tenant'));
      return;
    }
    tracker.list(tenant).then(
      (users) => sendJson(ex, 200, { users }),
      () =>
        sendError(
          ex,
          new GatewayError('SERVICE_UNAVAILABLE', 'online users cannot be read right now'),
        ),
    );
  };
}

/** What the hub's ingress and presence reach outside the table, supplied by the Gateway. */
export interface HubNetworkContext {
  /** Publishes into the running hub. */
  publish(event: IngressEvent, from: string): Promise<{ seq: number }>;
  /** The ingress rules of the table in force (for redis_pubsub, which outlives tables). */
  target: IngressTarget;
  /** Presence events, sent to the admin channel of the table in force. */
  presenceEvents: PresenceEvents;
}

/** The parts of a table the Gateway wires to the hub at install. */
export interface HubNetwork {
  rules: IngressRules;
  presence: CompiledPresence | null;
  /** The message_queue consumer, for the admin API's statistics; null without one. */
  messageQueue: MessageQueueIngress | null;
}

/**
 * Everything of the hub beyond its core, for one table: the webhook and presence routes, the
 * redis_pubsub subscriber, the message_queue consumer and the presence tracker. Without a hub in the context (`gatewayd
 * check`, offline) the routes are still built, so their paths are checked.
 */
export function compileHubNetwork(
  config: GatewayConfig,
  settings: ServerSettings,
  access: AccessControl,
  share: Share,
  ctx: { hubNetwork?: HubNetworkContext; logger: Logger },
  offline: boolean,
): { network: HubNetwork; routes: HubBuiltInRoute[] } {
  const ws = config.websocket ?? {};
  const rules = compileIngressRules(ws);
  const net = ctx.hubNetwork;
  const publish = (event: IngressEvent, source: string) =>
    net === undefined
      ? Promise.reject(new Error('the WebSocket hub is not running'))
      : net.publish(event, `service:${source}`);
  const routes: HubBuiltInRoute[] = [];
  const webhook = compileWebhookRoute(config, rules, settings, publish, ctx.logger);
  if (webhook !== null) routes.push(webhook);
  const noEvents: PresenceEvents = { online: () => undefined, offline: () => undefined };
  // Built offline too (its Redis client then never connects), so `check` sees the route.
  const presence = compilePresence(
    config,
    settings,
    access,
    access.redisClient,
    share,
    ctx.logger,
    net?.presenceEvents ?? noEvents,
  );
  if (presence !== null) routes.push(presence.route);
  let messageQueue: MessageQueueIngress | null = null;
  if (net !== undefined) {
    startRedisPubsubIngress(config, share, ctx.logger, offline, net.target);
    messageQueue = startMessageQueueIngress(config, share, ctx.logger, offline, net.target);
  }
  return { network: { rules, presence, messageQueue }, routes };
}
