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
  const timer = startBodyTimer(timeoutMs, onLimit);

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

/**
 * Reads a whole (small) request body into memory, so that it can be sent again on a retry.
 * Only for bodies whose Content-Length is known to be within the buffering bound.
 */
export function bufferRequestBody(
  ex: Exchange,
  timeoutMs: number,
  onBody: (body: Buffer) => void,
  onLimit: (err: GatewayError) => void,
): void {
  const body = Buffer.allocUnsafe(ex.contentLength);
  let done = false;
  const timer = startBodyTimer(timeoutMs, (err) => {
    done = true;
    onLimit(err);
  });
  ex.res.onData((chunk, isLast) => {
    if (done) return;
    const bytes = new Uint8Array(chunk);
    if (ex.bytesIn + bytes.byteLength > ex.contentLength) {
      done = true;
      clearTimeout(timer);
      onLimit(
        new GatewayError('BAD_REQUEST', 'the request body is longer than its Content-Length'),
      );
      return;
    }
    body.set(bytes, ex.bytesIn);
    ex.bytesIn += bytes.byteLength;
    if (isLast) {
      done = true;
      clearTimeout(timer);
      onBody(body.subarray(0, ex.bytesIn));
    }
  });
}

/** `server.timeouts.request_timeout`: the whole body must arrive within it. */
function startBodyTimer(timeoutMs: number, onLimit: (err: GatewayError) => void): NodeJS.Timeout {
  const timer = setTimeout(() => {
    onLimit(
      new GatewayError(
        'REQUEST_TIMEOUT',
        `the request body was not received within ${timeoutMs} ms`,
      ),
    );
  }, timeoutMs);
  timer.unref();
  return timer;
}
