export interface ChannelMessage {
  channel: string; // concrete channel name (no wildcards)
  data: unknown; // JSON value
  seq: number; // per-channel sequence, assigned by the HistoryStore
  ts: number; // epoch ms
  from: string | null; // publisher's subject, or "service:<source>" for ingress, null anonymous
  targetUser: string | null; // user_specific delivery: only this subject's connections get it
}
