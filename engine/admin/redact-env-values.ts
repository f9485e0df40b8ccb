/** `${NAME` references, not the escaped `$${`. */
const REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g;

/** Shorter values (a port, a flag) would blank out ordinary words and numbers. */
const MIN_SECRET_LENGTH = 4;

/**
 * A redactor for problems about a posted config: the values of the environment variables the
 * text references are replaced by "***". The check interpolates the gateway's own environment,
 * and a problem quotes the value it found (`expected an integer, got "s3cr3t"`), so a posted
 * `${JWT_SECRET}` in the wrong place must not read the secret back.
 */
export function envValueRedactor(text: string, env: NodeJS.ProcessEnv): (s: string) => string {
  const values = new Set<string>();
  for (const match of text.matchAll(REFERENCE)) {
    const value = env[match[1] as string];
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH) values.add(value);
  }
  // Longest first, so a value that contains another is replaced whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (s) => sorted.reduce((out, value) => out.split(value).join('***'), s);
}
