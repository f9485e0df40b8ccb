/**
 * A fast 32-bit string hash, not cryptographic: FNV-1a over UTF-16 code units, then murmur3's
 * finaliser. FNV-1a alone mixes the last characters weakly, and ring points such as
 * "origin#1" and "origin#2" differ only there; the finaliser spreads them over the whole ring.
 * Pure, so every worker maps a key to the same point.
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
