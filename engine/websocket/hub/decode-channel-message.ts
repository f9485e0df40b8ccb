import type { ChannelMessage } from './channel-message.js';

/**
 * A ChannelMessage read back from Redis (history member or bus payload), checked field by field;
 * null for anything this code did not write, so a stray publish on the bus channel is ignored.
 */
export function decodeChannelMessage(value: unknown): ChannelMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.channel !== 'string' || typeof v.seq !== 'number' || typeof v.ts !== 'number') {
    return null;
  }
  if (v.from !== null && typeof v.from !== 'string') return null;
  if (v.targetUser !== null && typeof v.targetUser !== 'string') return null;
  return {
    channel: v.channel,
    data: v.data ?? null,
    seq: v.seq,
    ts: v.ts,
    from: v.from,
    targetUser: v.targetUser,
  };
}

/** JSON text to a message; null when it is not JSON or not a message. */
export function parseChannelMessage(text: string): ChannelMessage | null {
  try {
    return decodeChannelMessage(JSON.parse(text));
  } catch {
    return null;
  }
}
