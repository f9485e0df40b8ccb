import {
  createLocalJWKSet,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';
import { AuthFailure } from './auth-failure.js';

export interface JwksCacheSettings {
  url: string;
  /** Bound on one fetch, body included. */
  timeoutMs: number;
  /** At most one fetch per cooldown, whatever triggers it: unknown kids cannot flood the host. */
  cooldownMs: number;
  /** Age after which the next verification refreshes the set in the background. */
  maxAgeMs: number;
  /** Bound on the response body. */
  maxBytes: number;
  /** Epoch ms. */
  now: () => number;
  /** Told about every failed fetch (the cached keys stay in use). */
  onError: (error: Error) => void;
}

/**
 * The keys of one JWKS URL, as a jose key resolver (`getKey`). Unlike jose's createRemoteJWKSet,
 * a failed fetch never drops the keys already held: while the host is down, tokens signed with a
 * known key keep verifying and only unknown kids are refused.
 */
export class JwksCache {
  private keys: LocalJWKSet | null = null;
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly settings: JwksCacheSettings) {}

  /** The jose key resolver: an arrow function so it can be handed to jwtVerify as is. */
  readonly getKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    const { now, maxAgeMs } = this.settings;
    if (this.keys === null) await this.refresh();
    else if (now() - this.fetchedAt >= maxAgeMs) void this.refresh();
    const held = this.keys;
    if (held === null) {
      throw new AuthFailure('jwks_unavailable', 'Token signing keys are unavailable');
    }
    try {
      return await held(header, token);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
    }
    // An unknown kid may be a key the issuer has just rotated in.
    await this.refresh();
    if (this.keys === held) throw unknownKey();
    try {
      return await (this.keys as LocalJWKSet)(header, token);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_JWKS_NO_MATCHING_KEY') throw unknownKey();
      throw err;
    }
  };

  /** Fetches once unless a fetch is under way (joined) or the cooldown has not passed (no-op). */
  private refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const now = this.settings.now();
    if (now - this.attemptedAt < this.settings.cooldownMs) return Promise.resolve();
    this.attemptedAt = now;
    this.inFlight = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = this.settings.now();
      })
      .catch((err: unknown) => {
        this.settings.onError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<LocalJWKSet> {
    const { url, timeoutMs, maxBytes } = this.settings;
    const res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`JWKS ${url} answered ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new Error(`JWKS ${url} is larger than ${maxBytes} bytes`);
    }
    const text = await readBounded(res, maxBytes, url);
    return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  }
}

/**
 * The body as UTF-8 text, read no further than `maxBytes` bytes: a chunked answer declares no
 * length, and reading it whole first would hold an endless or huge one in memory.
 */
async function readBounded(res: Response, maxBytes: number, url: string): Promise<string> {
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error(`JWKS ${url} answered ${res.status} without a body`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`JWKS ${url} is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
}

function unknownKey(): AuthFailure {
  return new AuthFailure('unknown_key', 'Token signing key is not known');
}
