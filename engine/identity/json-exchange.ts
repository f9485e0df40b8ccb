import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from '../data-plane/exchange.js';
import { readBody } from '../data-plane/request-body.js';

/** Identity requests are small JSON documents; anything bigger is refused. */
export const MAX_JSON_BYTES = 16 * 1024;

/**
 * The request's JSON body (null when it has none), read whole into memory: it is at most
 * MAX_JSON_BYTES. Rejects with a GatewayError for a body too large, too slow or not JSON.
 */
export function readJsonBody(ex: Exchange, timeoutMs: number): Promise<unknown> {
  if (!ex.hasBody) return Promise.resolve(null);
  if (ex.contentLength > MAX_JSON_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const fail = (err: GatewayError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new GatewayError(
            'REQUEST_TIMEOUT',
            `the request body was not received within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    timer.unref();
    ex.onAbort = () => fail(new GatewayError('BAD_REQUEST', 'the client went away'));
    readBody(ex, (chunk, isLast) => {
      if (done) return;
      bytes += chunk.byteLength;
      ex.bytesIn = bytes;
      if (bytes > MAX_JSON_BYTES) {
        fail(tooLarge());
        return;
      }
      // uWS reuses the chunk's memory once this callback returns.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast) return;
      done = true;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new GatewayError('BAD_REQUEST', 'the body is not valid JSON'));
      }
    });
  });
}

function tooLarge(): GatewayError {
  return new GatewayError(
    'PAYLOAD_TOO_LARGE',
    `identity requests are at most ${MAX_JSON_BYTES} bytes`,
  );
}
