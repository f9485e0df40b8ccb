import { createHash, randomBytes } from 'node:crypto';
import { CONFIG_DEFAULTS } from '../../config/config-defaults.js';

/** The form API key hashes take in config and in stores: `sha256:<64 hex digits>`. */
export const API_KEY_HASH = /^sha256:[0-9a-f]{64}$/;

/** Prefix of generated keys, so a leaked one is easy to recognise (secret scanners). */
export const DEFAULT_API_KEY_PREFIX: string = CONFIG_DEFAULTS.identity.api_keys.key_prefix;

/** What a key prefix may be: it goes into headers and must never look like a JWT (no dots). */
export const API_KEY_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/;

/** What `gatewayd hash-key` prints and static key config holds: never the key itself. */
export function hashApiKey(key: string): string {
  return `sha256:${apiKeyDigest(key).toString('hex')}`;
}

/** The 32-byte SHA-256 of a presented key: equal-length input for timingSafeEqual. */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new key: 32 random bytes, base64url, after the prefix (default `gwk_`). */
export function generateApiKey(prefix = DEFAULT_API_KEY_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}
