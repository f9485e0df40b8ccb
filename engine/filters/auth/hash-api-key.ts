import { createHash, randomBytes } from 'node:crypto';

/** The form API key hashes take in config and in stores: `sha256:<64 hex digits>`. */
export const API_KEY_HASH = /^sha256:[0-9a-f]{64}$/;

/** Prefix of generated keys, so a leaked one is easy to recognise (secret scanners). */
const KEY_PREFIX = 'gwk_';

/** What `gatewayd hash-key` prints and static key config holds: never the key itself. */
export function hashApiKey(key: string): string {
  return `sha256:${apiKeyDigest(key).toString('hex')}`;
}

/** The 32-byte SHA-256 of a presented key: equal-length input for timingSafeEqual. */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new key: 32 random bytes, base64url, with the `gwk_` prefix. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}
