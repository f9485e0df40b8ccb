/** One message on a hub channel, as stored in history and handed between instances. */
export interface ChannelMessage {
  /** Concrete channel name (no wildcards). */
  channel: string;
  /** A JSON value. */
  data: unknown;
  /** Per-channel sequence, assigned by the HistoryStore; a client resumes after the last one seen. */
  seq: number;
  /** Epoch ms. */
  ts: number;
  /** The publisher's subject, "service:<source>" for ingress, or null for an anonymous client. */
  from: string | null;
  /** user_specific delivery: only this subject's connections get it. */
  targetUser: string | null;
}
