import type { Cluster, Redis } from 'ioredis';
import type { ChannelMessage } from './channel-message.js';
import { parseChannelMessage } from './decode-channel-message.js';
import type { HistoryStore } from './history-store.js';

/**
 * Assigns the sequence number and stores the message in one step, so two instances appending to
 * one channel at once can neither share a seq nor store them out of order. The member is the
 * message's JSON with `seq` and `exp` (expiry, epoch ms) spliced in front: Lua's cjson would
 * rewrite the publisher's data (an empty array comes back as an object).
 * KEYS: seq counter, history sorted set (score = seq). ARGV: JSON without seq, keep, ttl ms, exp.
 */
const APPEND = `
local seq = redis.call('INCR', KEYS[1])
local member = '{"seq":' .. seq .. ',"exp":' .. ARGV[4] .. ',' .. string.sub(ARGV[1], 2)
redis.call('ZADD', KEYS[2], seq, member)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return seq
`;

type AppendingRedis = (Redis | Cluster) & {
  gatewaydHubAppend(
    seqKey: string,
    historyKey: string,
    json: string,
    keep: number,
    ttlMs: number,
    expiresAt: number,
  ): Promise<number>;
};

/**
 * Channel history in Redis, shared by every instance: a per-channel counter (INCR) gives the
 * sequence numbers and a sorted set keyed by seq holds the last `keep` messages. The set expires
 * `ttlMs` after its last append, and each message carries its own expiry, so a read never
 * returns a message older than the ttl even while the channel stays busy.
 *
 * The counter itself does not expire: a channel that falls silent for longer than the ttl
 * continues its sequence where it stopped, so a client resuming with an old `since` never sees
 * numbers start over. Keys use a hash tag per channel (`gatewayd:hub:{<channel>}:...`) so the
 * script also runs on Redis Cluster.
 */
export class RedisHistoryStore implements HistoryStore {
  private readonly redis: AppendingRedis;

  constructor(
    redis: Redis | Cluster,
    private readonly prefix = 'gatewayd:hub:',
  ) {
    if (!('gatewaydHubAppend' in redis)) {
      redis.defineCommand('gatewaydHubAppend', { numberOfKeys: 2, lua: APPEND });
    }
    this.redis = redis as AppendingRedis;
  }

  async append(
    msg: Omit<ChannelMessage, 'seq'>,
    keep: number,
    ttlMs: number,
  ): Promise<ChannelMessage> {
    const stored = {
      channel: msg.channel,
      data: msg.data,
      ts: msg.ts,
      from: msg.from,
      targetUser: msg.targetUser,
    };
    const seq = await this.redis.gatewaydHubAppend(
      this.seqKey(msg.channel),
      this.historyKey(msg.channel),
      JSON.stringify(stored),
      Math.max(0, Math.floor(keep)),
      Math.max(1, Math.ceil(ttlMs)),
      Math.ceil(Date.now() + ttlMs),
    );
    return { ...stored, seq: Number(seq) };
  }

  async since(channel: string, afterSeq: number, limit: number): Promise<ChannelMessage[]> {
    if (limit <= 0) return [];
    const key = this.historyKey(channel);
    const read = () =>
      this.redis.zrangebyscore(key, `(${afterSeq}`, '+inf', 'LIMIT', 0, Math.floor(limit));
    const now = Date.now();
    let members = await read();
    let expiredUpTo = -1;
    for (const member of members) {
      const parsed = parseStored(member);
      if (parsed !== null && parsed.exp < now) expiredUpTo = parsed.message.seq;
    }
    if (expiredUpTo >= 0) {
      // Expired messages are the oldest: drop them so they no longer take places in the limit.
      await this.redis.zremrangebyscore(key, '-inf', expiredUpTo);
      members = await read();
    }
    const out: ChannelMessage[] = [];
    for (const member of members) {
      const parsed = parseStored(member);
      if (parsed !== null && parsed.exp >= now) out.push(parsed.message);
    }
    return out;
  }

  /** The Redis client is shared with the rest of the table; its owner closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private seqKey(channel: string): string {
    return `${this.prefix}{${channel}}:seq`;
  }

  private historyKey(channel: string): string {
    return `${this.prefix}{${channel}}:history`;
  }
}

/** A stored member back into its message and expiry; null for anything this code did not write. */
function parseStored(member: string): { message: ChannelMessage; exp: number } | null {
  const message = parseChannelMessage(member);
  if (message === null) return null;
  // The member is this script's JSON: `exp` is its second field.
  const exp = Number(/^\{"seq":\d+,"exp":(\d+),/.exec(member)?.[1]);
  return Number.isFinite(exp) ? { message, exp } : null;
}
