import type { ChannelMessage } from './channel-message.js';

/**
 * Carries published messages to the hub of every instance. The local bus hands them straight
 * back; a Redis bus fans them out across instances.
 */
export interface ChannelBus {
  /** Hands msg to every instance's hub (this one included) exactly once each. */
  publish(msg: ChannelMessage): Promise<void>;
  /** The hub's local delivery; called once per message per instance. */
  onMessage(deliver: (msg: ChannelMessage) => void): void;
  close(): Promise<void>;
}
