import type { ChannelBus } from './channel-bus.js';
import type { ChannelMessage } from './channel-message.js';

/** One instance: a published message goes straight to this hub's delivery. */
export class LocalChannelBus implements ChannelBus {
  private deliver: ((msg: ChannelMessage) => void) | null = null;

  publish(msg: ChannelMessage): Promise<void> {
    this.deliver?.(msg);
    return Promise.resolve();
  }

  onMessage(deliver: (msg: ChannelMessage) => void): void {
    this.deliver = deliver;
  }

  close(): Promise<void> {
    this.deliver = null;
    return Promise.resolve();
  }
}
