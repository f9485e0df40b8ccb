// @ts-check
// API keys for the examples, made and hashed by the engine's own functions (the same as
// `gatewayd hash-key --generate`), so a config's `hash:` matches what the gateway computes.
import { generateApiKey, hashApiKey } from '../../dist/filters/auth/hash-api-key.js';

/**
 * A new API key and the hash a config holds for it.
 * @param {string} [prefix] Default `gwk_`.
 * @returns {{ key: string, hash: string }}
 */
export function demoApiKey(prefix) {
  const key = generateApiKey(prefix);
  return { key, hash: hashApiKey(key) };
}
