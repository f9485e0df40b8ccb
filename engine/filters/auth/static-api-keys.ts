import { timingSafeEqual } from 'node:crypto';
import { API_KEY_HASH, apiKeyDigest } from './hash-api-key.js';
import type { Identity } from '../../data-plane/identity.js';

/** An API key from the config file: its hash only, made by `gatewayd hash-key`. */
export interface StaticApiKey {
  /** Unique; becomes the identity's subject. */
  name: string;
  /** `sha256:<hex>`. */
  hash: string;
  tier?: string;
  roles?: string[];
  /** ISO 8601 date or date-time; a bare date is midnight UTC. */
  expires?: string;
}

export type StaticKeyMatcher = (key: string) => Identity | null;

interface CompiledKey {
  digest: Buffer;
  identity: Identity;
}

/**
 * Compiles the configured keys into a matcher that compares the presented key's SHA-256 with
 * every configured hash in constant time and without early exit, so neither the key's length
 * nor which configured key it resembles shows in the timing. Identities are built here, once.
 */
export function compileStaticApiKeys(keys: readonly StaticApiKey[]): StaticKeyMatcher {
  const names = new Set<string>();
  const hashes = new Set<string>();
  const compiled: CompiledKey[] = keys.map(function compileKey(k) {
    const refuse = (problem: string) =>
      new RangeError(`API key ${JSON.stringify(k.name)}: ${problem}`);
    if (names.has(k.name)) throw refuse('duplicate name');
    if (!API_KEY_HASH.test(k.hash)) throw refuse('hash must be sha256:<64 hex digits>');
    // One key under two names would make the identity depend on the order of the list.
    if (hashes.has(k.hash)) throw refuse('same hash as an earlier key');
    names.add(k.name);
    hashes.add(k.hash);
    const expiresAt = k.expires === undefined ? undefined : Date.parse(k.expires);
    if (Number.isNaN(expiresAt)) throw refuse('expires is not an ISO date');
    return {
      digest: Buffer.from(k.hash.slice('sha256:'.length), 'hex'),
      identity: Object.freeze({
        subject: k.name,
        roles: Object.freeze([...(k.roles ?? [])]),
        permissions: Object.freeze([]),
        tier: k.tier,
        method: 'api_key',
        expiresAt,
      }),
    };
  });

  return function matchStaticKey(key) {
    const digest = apiKeyDigest(key);
    let found: Identity | null = null;
    for (const entry of compiled) {
      // timingSafeEqual runs for every entry; only the assignment depends on the result.
      if (timingSafeEqual(digest, entry.digest)) found = entry.identity;
    }
    return found;
  };
}
