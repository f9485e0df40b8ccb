import type { ChannelMessage } from './channel-message.js';

export interface HistoryStore {
  /** Assigns the next seq of msg.channel, stores it (keeping the last `keep`, expiring after ttlMs), returns it. */
  append(msg: Omit<ChannelMessage, 'seq'>, keep: number, ttlMs: number): Promise<ChannelMessage>;
  /** Stored messages of `channel` with seq > afterSeq, oldest first, at most `limit`. */
  since(channel: string, afterSeq: number, limit: number): Promise<ChannelMessage[]>;
  close(): Promise<void>;
}
