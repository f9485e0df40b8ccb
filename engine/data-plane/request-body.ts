import { Readable } from 'node:stream';
import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from './exchange.js';

type DataHandler = (chunk: ArrayBuffer, isLast: boolean) => void;

/** Body bytes held in memory while a route's checks run; beyond this the client is paused. */
const HOLD_BYTES = 64 * 1024;

/**
 * Starts taking the body before the route's asynchronous checks (auth, rate limit) have decided:
 * uWS hands over body bytes right after the request callback, and bytes without a handler are
 * lost. Up to HOLD_BYTES are kept; then the client is paused until the body's reader takes over.
 */
export function holdRequestBody(ex: Exchange): void {
  const held = { chunks: [] as ArrayBuffer[], last: false, bytes: 0, paused: false };
  ex.heldBody = held;
  ex.res.onData((chunk, isLast) => {
    // uWS reuses the chunk's memory once this callback returns.
    held.chunks.push(chunk.slice(0));
    held.bytes += chunk.byteLength;
    held.last = isLast;
    if (!isLast && !held.paused && held.bytes >= HOLD_BYTES) {
      held.paused = true;
      ex.res.pause();
    }
  });
}

/** Gives the body to `handler`: first what was held, then what is still to come. */
export function readBody(ex: Exchange, handler: DataHandler): void {
  const held = ex.heldBody;
  if (held === null) {
    ex.res.onData(handler);
    return;
  }
  ex.heldBody = null;
  if (!held.last) {
    ex.res.onData(handler);
    if (held.paused && !ex.aborted) ex.res.resume();
  }
  // Replayed after the caller has finished wiring the handler up (a limit can fire on the first
  // chunk), and still before any new data, which only arrives from the event loop.
  queueMicrotask(() => {
    const count = held.chunks.length;
    for (let i = 0; i < count; i++) {
      handler(held.chunks[i] as ArrayBuffer, held.last && i === count - 1);
    }
  });
}

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

  readBody(ex, (chunk, isLast) => {
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
  readBody(ex, (chunk, isLast) => {
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

/**
 * Reads the rest of a body the gateway will not forward (its request was refused), so that the
 * client, still sending, reads the answer instead of a reset connection. A body over `maxBytes`
 * or slower than `timeoutMs` is not waited for: `done` runs at once and the answer closes.
 */
export function discardRequestBody(
  ex: Exchange,
  maxBytes: number,
  timeoutMs: number,
  done: () => void,
): void {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done();
  };
  const timer = setTimeout(finish, timeoutMs);
  timer.unref();
  readBody(ex, (chunk, isLast) => {
    ex.bytesIn += chunk.byteLength;
    if (isLast || ex.bytesIn > maxBytes) finish();
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

/**
 * Reads the whole body into memory for a step that must see it before the request goes on (the
 * OpenAPI body check); the proxy then sends `ex.body`, these same bytes. Resolves with the body,
 * or with the error to answer: over `maxBytes` (413) or slower than `timeoutMs` (408); both
 * answers close the connection, so the rest of the body is never waited for.
 */
export function readWholeBody(
  ex: Exchange,
  maxBytes: number,
  timeoutMs: number,
): Promise<Buffer | GatewayError> {
  ex.bodyTaken = true;
  if (ex.contentLength > maxBytes) return Promise.resolve(tooLarge(maxBytes));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const timer = startBodyTimer(timeoutMs, (err) => {
      done = true;
      resolve(err);
    });
    readBody(ex, (chunk, isLast) => {
      if (done) return;
      ex.bytesIn += chunk.byteLength;
      if (ex.bytesIn > maxBytes) {
        done = true;
        clearTimeout(timer);
        resolve(tooLarge(maxBytes));
        return;
      }
      // uWS reuses the chunk's memory once this callback returns.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      done = true;
      clearTimeout(timer);
      ex.body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve(ex.body);
    });
  });
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    'PAYLOAD_TOO_LARGE',
    `the request body exceeds the limit of ${maxBytes} bytes`,
  );
}
