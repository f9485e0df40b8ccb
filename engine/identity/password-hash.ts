import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** scrypt's cost parameters, kept with each hash so that they can be raised later. */
export interface ScryptParams {
  /** log2 of N, the CPU and memory cost. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s per hash on one 2020s core. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({
  ln: CONFIG_DEFAULTS.identity.password.scrypt_cost,
  r: 8,
  p: 1,
});

/** Bounds on stored parameters: a hash from the config must not cost gigabytes to check. */
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** The PHC string format: $scrypt$ln=15,r=8,p=1$<salt>$<hash>, base64 without padding. */
const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** The hash's parts, or a reason it cannot be used (never quoting the hash). */
export function parsePasswordHash(text: string): ParsedHash | { problem: string } {
  const m = PHC.exec(text);
  if (m === null) {
    return {
      problem:
        'is not a "$scrypt$ln=..,r=..,p=..$salt$hash" string (gatewayd hash-password prints one)',
    };
  }
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  for (const name of ['ln', 'r', 'p'] as const) {
    const [min, max] = LIMITS[name];
    if (params[name] < min || params[name] > max) {
      return { problem: `has scrypt ${name}=${params[name]}, outside ${min}..${max}` };
    }
  }
  const salt = Buffer.from(m[4] as string, 'base64');
  const key = Buffer.from(m[5] as string, 'base64');
  if (key.length < KEY_BYTES) return { problem: `has a ${key.length}-byte hash; 32 are needed` };
  return { params, salt, key };
}

/** A new PHC string for `password`, with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Whether `password` matches `stored`, compared in constant time. An unusable stored hash is
 * a mismatch, never an exception: a login must answer the same whatever is in the store.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if ('problem' in parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when `stored` was made with weaker parameters than `wanted`: rehash it at next login. */
export function needsRehash(stored: string, wanted: ScryptParams): boolean {
  const parsed = parsePasswordHash(stored);
  if ('problem' in parsed) return true;
  const { ln, r, p } = parsed.params;
  return ln < wanted.ln || r < wanted.r || p < wanted.p;
}

function derive(password: string, salt: Buffer, params: ScryptParams, bytes: number) {
  const N = 2 ** params.ln;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // Node's default (32 MiB) is just short of what N = 2^15, r = 8 needs.
    maxmem: 256 * N * params.r + 1024 * 1024,
  };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, bytes, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}
