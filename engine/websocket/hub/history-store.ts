import type { ChannelMessage } from './channel-message.js';

/**
 * Channel history and sequence numbers. The memory store serves one instance; a shared store
 * (Redis) gives every instance the same sequence, so a client can resume on any of them.
 */
export interface HistoryStore {
  /**
   * Names the sequence numbering: it changes when numbers restart (a memory store's process
   * restarted), so clients forget the last seq they saw. A store whose numbering survives
   * restarts (Redis) may leave it out.
   */
  readonly epoch?: string;
  /** Assigns the next seq of msg.channel, stores it (keeping the last `keep`, expiring after ttlMs), returns it. */
  append(msg: Omit<ChannelMessage, 'seq'>, keep: number, ttlMs: number): Promise<ChannelMessage>;
  /** Stored messages of `channel` with seq > afterSeq, oldest first, at most `limit`. */
  since(channel: string, afterSeq: number, limit: number): Promise<ChannelMessage[]>;
  close(): Promise<void>;
}
