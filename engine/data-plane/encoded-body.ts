import type { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Exchange } from './exchange.js';
import type { BodyEncoding } from './filter-chain.js';
import { abortResponse } from './respond.js';

/**
 * An upstream body on its way to the client through a compressor, with backpressure both ways:
 * the upstream pauses while the compressor is full, the compressor while uWS cannot take more.
 * The body goes out chunked, since its encoded length is unknown until the end.
 */
export class EncodedBody {
  private readonly stream: Transform;
  private upstream: Dispatcher.DispatchController | null = null;

  constructor(
    private readonly ex: Exchange,
    encoding: BodyEncoding,
    /** The last encoded byte went to uWS. */
    private readonly onEnd: (endedAt: number) => void,
  ) {
    this.stream = encoding.createStream();
    this.stream.on('data', (chunk: Buffer) => this.send(chunk));
    this.stream.on('end', () => this.ended());
    this.stream.on('error', () => this.fail());
    this.stream.on('drain', () => this.upstream?.resume());
  }

  /** One chunk of the upstream's body; the upstream waits while the compressor is full. */
  write(chunk: Buffer, upstream: Dispatcher.DispatchController): void {
    if (this.stream.write(chunk)) return;
    this.upstream = upstream;
    upstream.pause();
  }

  /** The upstream's body is complete. */
  end(): void {
    this.stream.end();
  }

  /** The exchange is over (client gone, upstream failed): the compressor's work is dropped. */
  destroy(): void {
    this.stream.destroy();
  }

  private send(chunk: Buffer): void {
    const ex = this.ex;
    if (ex.aborted) {
      this.stream.destroy();
      return;
    }
    ex.bytesOut += chunk.length;
    let accepted = true;
    ex.res.cork(() => {
      accepted = ex.res.write(chunk);
    });
    if (accepted) return;
    // uWS keeps the chunk; nothing more until the socket drains.
    this.stream.pause();
    ex.res.onWritable(() => {
      if (!ex.aborted) this.stream.resume();
      return true;
    });
  }

  private ended(): void {
    const ex = this.ex;
    if (ex.aborted) return;
    const endedAt = performance.now();
    ex.res.cork(() => ex.res.end());
    this.onEnd(endedAt);
  }

  /** The compressor failed: the head is out, so the connection is cut (a truncated response). */
  private fail(): void {
    abortResponse(this.ex);
  }
}
