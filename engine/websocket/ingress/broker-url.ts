/**
 * A broker URL for logs, the admin API and error messages: the password masked, and the user too
 * where it is a token (NATS reads `nats://TOKEN@host` as token authentication).
 */
export function redactBrokerUrl(url: string, userIsToken = false): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    else if (userIsToken && parsed.username !== '') parsed.username = '***';
    return parsed.toString();
  } catch {
    return 'an unparseable URL';
  }
}

/** `text` with every secret of `url` (as written and decoded) replaced by "***". */
export function maskUrlSecrets(text: string, url: string, userIsToken = false): string {
  let out = text;
  for (const secret of secretsOf(url, userIsToken)) out = out.replaceAll(secret, '***');
  return out;
}

function secretsOf(url: string, userIsToken: boolean): string[] {
  try {
    const parsed = new URL(url);
    const written = parsed.password !== '' ? parsed.password : userIsToken ? parsed.username : '';
    return written === '' ? [] : [...new Set([written, decodeURIComponent(written)])];
  } catch {
    return [];
  }
}
