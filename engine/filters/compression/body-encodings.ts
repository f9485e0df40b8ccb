import {
  constants,
  createBrotliCompress,
  createGzip,
  brotliCompressSync,
  gzipSync,
} from 'node:zlib';
import type { BodyEncoding } from '../../data-plane/filter-chain.js';

/** The codings the gateway can send, at one level (1-9: gzip's level, brotli's quality). */
export interface BodyEncodings {
  readonly gzip: BodyEncoding;
  readonly br: BodyEncoding;
}

export function createBodyEncodings(level: number): BodyEncodings {
  const gzipOptions = { level };
  const brotliOptions = {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: level,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  };
  return {
    gzip: {
      name: 'gzip',
      createStream: () => createGzip(gzipOptions),
      encodeAll: (body) => gzipSync(body, gzipOptions),
    },
    br: {
      name: 'br',
      createStream: () => createBrotliCompress(brotliOptions),
      encodeAll: (body) => brotliCompressSync(body, brotliOptions),
    },
  };
}
