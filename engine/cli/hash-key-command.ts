import { createInterface } from 'node:readline';
import { generateApiKey, hashApiKey } from '../filters/auth/hash-api-key.js';

/**
 * `gatewayd hash-key [--generate]`: prints the `sha256:` hash to put under auth.api_keys.keys.
 * The key is read from standard input (never from argv, which other users can see in `ps` and
 * shells keep in their history); `--generate` makes a new random key and prints it once.
 */
export async function hashKeyCommand(opts: { generate?: boolean }): Promise<void> {
  if (opts.generate) {
    const key = generateApiKey();
    process.stdout.write(`key:  ${key}\nhash: ${hashApiKey(key)}\n`);
    return;
  }
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    const key = line.trim();
    if (key === '') continue;
    process.stdout.write(`${hashApiKey(key)}\n`);
  }
}
