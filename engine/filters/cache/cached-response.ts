import type { CacheMark } from '../../data-plane/response-tap.js';
import type { PreparedResponse } from '../../data-plane/respond.js';
import { statusLine } from '../../data-plane/respond.js';

/** Headers a 304 repeats from the answer it stands for (RFC 9110, section 15.4.5). */
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'content-location',
  'etag',
  'expires',
  'last-modified',
  'vary',
]);

/** The stored form of an entry, besides its body (see encodeEntry). */
interface StoredHead {
  status: number;
  headers: [string, string][];
  storedAt: number;
  expiresAt: number;
  vary: string[];
  variant: string;
}

/**
 * One stored answer: what a hit sends (built once, when it is stored or read from Redis), and
 * what decides whether a request may have it.
 */
export class CachedResponse implements CacheMark {
  readonly xCache = 'HIT';
  readonly response: PreparedResponse;
  /** The 304 a matching If-None-Match gets; null when the answer has no ETag. */
  readonly notModified: PreparedResponse | null;
  readonly etag: string | undefined;
  /** Bytes it holds, for the memory backend's bound. */
  readonly size: number;

  constructor(
    readonly status: number,
    /** As the client would get them from the upstream; no framing, Date or Age. */
    readonly headers: [string, string][],
    readonly body: Buffer,
    /** Epoch ms the upstream answered, less the Age it said the answer already had. */
    readonly storedAt: number,
    readonly expiresAt: number,
    /** The request headers its Vary names, lower case; empty without Vary. */
    readonly vary: readonly string[],
    /** Those headers' values in the request that fetched it (see variantOf). */
    readonly variant: string,
  ) {
    this.response = { status: statusLine(status), statusCode: status, headers, body };
    this.etag = headers.find(([name]) => name === 'etag')?.[1];
    this.notModified =
      this.etag === undefined
        ? null
        : {
            status: statusLine(304),
            statusCode: 304,
            headers: headers.filter(([name]) => NOT_MODIFIED_HEADERS.has(name)),
            body: Buffer.alloc(0),
          };
    let size = body.length + variant.length + 64;
    for (const [name, value] of headers) size += name.length + value.length + 4;
    this.size = size;
  }

  /** Milliseconds it stays fresh from `now`; 0 or less once stale. */
  freshFor(now: number): number {
    return this.expiresAt - now;
  }
}

/** Values of the request headers `names`, one per line: the part of a key Vary adds. */
export function variantOf(
  header: (name: string) => string | undefined,
  names: readonly string[],
): string {
  let variant = '';
  for (let i = 0; i < names.length; i++) {
    variant += `${i === 0 ? '' : '\n'}${header(names[i] as string) ?? ''}`;
  }
  return variant;
}

/** An entry as bytes for Redis: a 4-byte length, its head as JSON, then the body. */
export function encodeEntry(entry: CachedResponse): Buffer {
  const head: StoredHead = {
    status: entry.status,
    headers: entry.headers,
    storedAt: entry.storedAt,
    expiresAt: entry.expiresAt,
    vary: [...entry.vary],
    variant: entry.variant,
  };
  const json = Buffer.from(JSON.stringify(head));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, entry.body]);
}

/** The entry encodeEntry wrote; null for bytes it did not write (another version, damage). */
export function decodeEntry(bytes: Buffer): CachedResponse | null {
  if (bytes.length < 4) return null;
  const length = bytes.readUInt32BE(0);
  if (4 + length > bytes.length) return null;
  let head: StoredHead;
  try {
    head = JSON.parse(bytes.subarray(4, 4 + length).toString()) as StoredHead;
  } catch {
    return null;
  }
  if (typeof head.status !== 'number' || !Array.isArray(head.headers)) return null;
  return new CachedResponse(
    head.status,
    head.headers,
    bytes.subarray(4 + length),
    head.storedAt,
    head.expiresAt,
    head.vary,
    head.variant,
  );
}
