import { Readable } from 'node:stream';
import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from './exchange.js';

/**
 * The client's request body as a Readable for undici, with backpressure both ways: when undici's
 * socket is full the stream stops accepting, and uWS is paused until it drains.
 * A body over `maxBytes` or one that takes longer than `timeoutMs` ends in `onLimit`.
 */
export function streamRequestBody(
  ex: Exchange,
  maxBytes: number,
  timeoutMs: number,
  onLimit: (err: GatewayError) => void,
): Readable {
  let paused = false;
  const body = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (paused && !ex.aborted) {
        paused = false;
        ex.res.resume();
      }
    },
  });
  const timer = setTimeout(() => {
    onLimit(
      new GatewayError(
        'REQUEST_TIMEOUT',
        `the request body was not received within ${timeoutMs} ms`,
      ),
    );
  }, timeoutMs);
  timer.unref();

  ex.res.onData((chunk, isLast) => {
    if (body.destroyed) return;
    ex.bytesIn += chunk.byteLength;
    if (ex.bytesIn > maxBytes) {
      clearTimeout(timer);
      onLimit(
        new GatewayError(
          'PAYLOAD_TOO_LARGE',
          `the request body exceeds the limit of ${maxBytes} bytes`,
        ),
      );
      return;
    }
    // uWS reuses the chunk's memory once this callback returns.
    const accepted = body.push(Buffer.from(new Uint8Array(chunk)));
    if (isLast) {
      clearTimeout(timer);
      body.push(null);
    } else if (!accepted && !paused) {
      paused = true;
      ex.res.pause();
    }
  });
  body.on('close', () => clearTimeout(timer));
  return body;
}
