import type { ChannelMessage } from './channel-message.js';
import type { HubMessageFormat } from './hub-message-format.js';

/**
 * One channel message's frames, encoded on first use per format: a message reaching only
 * native subscribers is encoded once, as before formats existed.
 */
export class EventFrames {
  private dataJson: string | null = null;
  private readonly byFormat = new Map<HubMessageFormat, { frame: string; bytes: number }>();

  constructor(private readonly msg: ChannelMessage) {}

  in(format: HubMessageFormat): { frame: string; bytes: number } {
    let encoded = this.byFormat.get(format);
    if (encoded === undefined) {
      const m = this.msg;
      this.dataJson ??= JSON.stringify(m.data);
      const frame = format.event(m.channel, this.dataJson, m.seq, m.ts);
      encoded = { frame, bytes: Buffer.byteLength(frame) };
      this.byFormat.set(format, encoded);
    }
    return encoded;
  }
}
