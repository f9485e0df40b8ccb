import { randomUUID } from 'node:crypto';
import type { ChannelMessage } from './channel-message.js';
import type { HistoryStore } from './history-store.js';

interface ChannelLog {
  seq: number;
  /** Oldest first; at most the channel's `keep`. */
  messages: ChannelMessage[];
  /** Epoch ms after which each message expires, parallel to `messages`. */
  expires: number[];
}

/**
 * History of one instance. Sequence numbers survive as long as the process (and reloads, since
 * the store is shared between tables); the messages themselves are trimmed to `keep` and expire.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly logs = new Map<string, ChannelLog>();
  /** Numbers start at 1 in each process. */
  readonly epoch = randomUUID();

  constructor(private readonly now: () => number = Date.now) {}

  append(msg: Omit<ChannelMessage, 'seq'>, keep: number, ttlMs: number): Promise<ChannelMessage> {
    let log = this.logs.get(msg.channel);
    if (log === undefined) {
      log = { seq: 0, messages: [], expires: [] };
      this.logs.set(msg.channel, log);
    }
    const stored: ChannelMessage = { ...msg, seq: ++log.seq };
    if (keep > 0) {
      log.messages.push(stored);
      log.expires.push(this.now() + ttlMs);
      const excess = log.messages.length - keep;
      if (excess > 0) {
        log.messages.splice(0, excess);
        log.expires.splice(0, excess);
      }
    }
    return Promise.resolve(stored);
  }

  since(channel: string, afterSeq: number, limit: number): Promise<ChannelMessage[]> {
    const log = this.logs.get(channel);
    if (log === undefined || limit <= 0) return Promise.resolve([]);
    this.dropExpired(log);
    const found: ChannelMessage[] = [];
    for (const m of log.messages) {
      if (m.seq > afterSeq) found.push(m);
      if (found.length === limit) break;
    }
    return Promise.resolve(found);
  }

  close(): Promise<void> {
    this.logs.clear();
    return Promise.resolve();
  }

  private dropExpired(log: ChannelLog): void {
    const now = this.now();
    let expired = 0;
    while (expired < log.expires.length && (log.expires[expired] as number) <= now) expired++;
    if (expired > 0) {
      log.messages.splice(0, expired);
      log.expires.splice(0, expired);
    }
  }
}
