import type { Cluster, Redis } from 'ioredis';
import { getEach } from '../../state/redis-keys.js';

/** One connection as presence sees it (seed 002's OnlineUser fields, plus where it lives). */
export interface PresenceConnection {
  /** The hub connection id: seed 002's `sessionId`. */
  id: string;
  userId: string;
  tenant: string;
  connectedAt: number;
  domain: string | null;
  origin: string | null;
  url: string | null;
}

/** What `online_users:{tenant}` lists per user, as seed 002 returns it. */
export interface OnlineUser {
  userId: string;
  sessionId: string;
  connectedAt: string;
  domain?: string;
  origin?: string;
  url?: string;
}

export interface PresenceEvents {
  online(tenant: string, user: OnlineUser): void;
  offline(tenant: string, userId: string): void;
}

export interface PresenceLogger {
  warn(obj: object, msg: string): void;
}

/** HDEL the field only while it still holds this session's entry (KEYS: hash; ARGV: field, session). */
const DELETE_IF_SESSION = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local ok, entry = pcall(cjson.decode, v)
if ok and type(entry) == 'table' and entry.sessionId == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`;

type PresenceRedis = (Redis | Cluster) & {
  gatewaydPresenceDelete(key: string, field: string, sessionId: string): Promise<number>;
};

/**
 * Online users per tenant in Redis, in seed 002's layout: the hash `online_users:{tenant}`, field
 * userId, value the JSON of {sessionId, connectedAt, domain, origin, url} plus `instance`, the
 * gatewayd process that holds the connection.
 *
 * A crashed process cannot remove its entries, so each process keeps a heartbeat key
 * (`gatewayd:presence:instance:<id>`, expiring after `ttlMs`, refreshed every ttl/3) and a
 * listing drops, and deletes, entries whose process has no heartbeat: they are gone within the
 * ttl. The heartbeat also writes back (HSETNX) every user this process still holds, so entries
 * return after a Redis restart and a user connected to two instances stays listed when one of
 * the two connections closes.
 *
 * `user_online` is sent when a user's field is created, `user_offline` when it is deleted
 * (a user with several connections is online once). Redis failures are logged and skipped:
 * presence never holds up or fails a connection.
 */
export class PresenceTracker {
  private readonly redis: PresenceRedis;
  /** tenant → user → this process's connections of that user. */
  private readonly local = new Map<string, Map<string, Map<string, PresenceConnection>>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    redis: Redis | Cluster,
    readonly instanceId: string,
    private ttlMs: number,
    private readonly events: PresenceEvents,
    private readonly logger: PresenceLogger,
  ) {
    if (!('gatewaydPresenceDelete' in redis)) {
      redis.defineCommand('gatewaydPresenceDelete', { numberOfKeys: 1, lua: DELETE_IF_SESSION });
    }
    this.redis = redis as PresenceRedis;
  }

  start(): void {
    if (this.timer !== null) return;
    void this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), Math.max(50, this.ttlMs / 3));
    this.timer.unref();
  }

  /** A reload changed websocket.presence.ttl: the heartbeat follows at once. */
  configure(ttlMs: number): void {
    if (ttlMs === this.ttlMs) return;
    this.ttlMs = ttlMs;
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.start();
  }

  /** Stops the heartbeat and removes it, so listings drop this process's users at once. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.redis.del(this.heartbeatKey(this.instanceId)).catch(() => undefined);
  }

  connected(conn: PresenceConnection): void {
    const users = this.local.get(conn.tenant) ?? new Map<string, Map<string, PresenceConnection>>();
    this.local.set(conn.tenant, users);
    const sessions = users.get(conn.userId) ?? new Map<string, PresenceConnection>();
    users.set(conn.userId, sessions);
    sessions.set(conn.id, conn);
    this.redis
      .hset(hashKey(conn.tenant), conn.userId, this.entry(conn))
      .then((created) => {
        if (created === 1) this.events.online(conn.tenant, onlineUser(conn));
      })
      .catch((err: unknown) => this.failed(err, 'recording an online user'));
  }

  disconnected(conn: PresenceConnection): void {
    const users = this.local.get(conn.tenant);
    const sessions = users?.get(conn.userId);
    if (!users || !sessions?.delete(conn.id)) return;
    const remaining = sessions.values().next();
    if (!remaining.done) {
      // Still online here through another connection: its entry replaces this one.
      this.redis
        .hset(hashKey(conn.tenant), conn.userId, this.entry(remaining.value))
        .catch((err: unknown) => this.failed(err, 'updating an online user'));
      return;
    }
    users.delete(conn.userId);
    if (users.size === 0) this.local.delete(conn.tenant);
    this.redis
      .gatewaydPresenceDelete(hashKey(conn.tenant), conn.userId, conn.id)
      .then((deleted) => {
        if (deleted === 1) this.events.offline(conn.tenant, conn.userId);
      })
      .catch((err: unknown) => this.failed(err, 'removing an online user'));
  }

  /** The tenant's online users on every instance; entries of dead processes are removed. */
  async list(tenant: string): Promise<OnlineUser[]> {
    const key = hashKey(tenant);
    const all = await this.redis.hgetall(key);
    const entries = Object.entries(all).map(([userId, json]) => {
      const { instance, fields } = parseEntry(json);
      return { userId, instance, user: { userId, ...fields } };
    });
    const instances = [
      ...new Set(entries.map((e) => e.instance).filter((i): i is string => i !== null)),
    ];
    const alive = new Set<string>([this.instanceId]);
    if (instances.length > 0) {
      const beats = await getEach(
        this.redis,
        instances.map((i) => this.heartbeatKey(i)),
      );
      instances.forEach((instance, i) => {
        if (beats[i] !== null) alive.add(instance);
      });
    }
    const online: OnlineUser[] = [];
    for (const e of entries) {
      if (e.instance === null || alive.has(e.instance)) {
        online.push(e.user);
        continue;
      }
      this.redis
        .gatewaydPresenceDelete(key, e.userId, e.user.sessionId)
        .then((deleted) => {
          if (deleted === 1) this.events.offline(tenant, e.userId);
        })
        .catch((err: unknown) => this.failed(err, 'removing a stale online user'));
    }
    return online.sort(
      (a, b) => a.connectedAt.localeCompare(b.connectedAt) || a.userId.localeCompare(b.userId),
    );
  }

  private async heartbeat(): Promise<void> {
    // Separate commands, not one pipeline: on a Cluster the keys live in different slots (the
    // cluster client still sends them together, one pipeline per node).
    const writes: Promise<unknown>[] = [
      this.redis.set(this.heartbeatKey(this.instanceId), String(Date.now()), 'PX', this.ttlMs),
    ];
    for (const [tenant, users] of this.local) {
      for (const [userId, sessions] of users) {
        const first = sessions.values().next();
        if (!first.done)
          writes.push(this.redis.hsetnx(hashKey(tenant), userId, this.entry(first.value)));
      }
    }
    try {
      await Promise.all(writes);
    } catch (err) {
      this.failed(err, 'presence heartbeat');
    }
  }

  private entry(conn: PresenceConnection): string {
    return JSON.stringify({ ...onlineUserFields(conn), instance: this.instanceId });
  }

  private heartbeatKey(instance: string): string {
    return `gatewayd:presence:instance:${instance}`;
  }

  private failed(err: unknown, what: string): void {
    this.logger.warn({ err: (err as Error).message }, `presence: ${what} failed`);
  }
}

export function hashKey(tenant: string): string {
  return `online_users:${tenant}`;
}

function onlineUserFields(conn: PresenceConnection): Omit<OnlineUser, 'userId'> {
  return {
    sessionId: conn.id,
    connectedAt: new Date(conn.connectedAt).toISOString(),
    ...(conn.domain === null ? {} : { domain: conn.domain }),
    ...(conn.origin === null ? {} : { origin: conn.origin }),
    ...(conn.url === null ? {} : { url: conn.url }),
  };
}

function onlineUser(conn: PresenceConnection): OnlineUser {
  return { userId: conn.userId, ...onlineUserFields(conn) };
}

/** A hash value back into its user; entries written by others (seed 002's backend) have no instance. */
function parseEntry(json: string): {
  fields: Omit<OnlineUser, 'userId'>;
  instance: string | null;
} {
  let v: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null) v = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: listed with what is known, the user id.
  }
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  return {
    instance: str('instance') ?? null,
    fields: {
      sessionId: str('sessionId') ?? '',
      connectedAt: str('connectedAt') ?? '',
      ...(str('domain') === undefined ? {} : { domain: str('domain') }),
      ...(str('origin') === undefined ? {} : { origin: str('origin') }),
      ...(str('url') === undefined ? {} : { url: str('url') }),
    },
  };
}
