import { createInterface } from 'node:readline';
import { DEFAULT_SCRYPT, hashPassword } from '../identity/password-hash.js';

/**
 * `gatewayd hash-password [--cost N]`: prints the scrypt hash to put under
 * identity.bootstrap_users[].password_hash, one per line of standard input. The password is read
 * from standard input (never argv, which `ps` shows and shells keep); only a trailing newline is
 * taken off, since spaces may be part of a password.
 */
export async function hashPasswordCommand(opts: { cost?: string }): Promise<void> {
  const ln = opts.cost === undefined ? DEFAULT_SCRYPT.ln : Number(opts.cost);
  if (!Number.isInteger(ln) || ln < 14 || ln > 20) {
    process.stderr.write('--cost: an integer from 14 to 20 (log2 of scrypt N)\n');
    process.exitCode = 2;
    return;
  }
  const lines = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    process.stdout.write(`${await hashPassword(line, { ...DEFAULT_SCRYPT, ln })}\n`);
  }
}
