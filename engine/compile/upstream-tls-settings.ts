import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { UpstreamConfig } from '../config/gateway-config.js';
import type { UpstreamTls } from '../upstream/upstream-tls.js';

/**
 * `upstreams.<name>.tls` with its files read (check has verified they load). The fingerprint
 * covers the contents, so a reload after a renewed client certificate opens new pools.
 */
export function compileUpstreamTls(tls: UpstreamConfig['tls']): UpstreamTls | null {
  if (tls === undefined) return null;
  const read = (file: string | undefined) =>
    file === undefined ? undefined : readFileSync(file, 'utf8');
  const ca = read(tls.ca_file);
  const cert = read(tls.cert_file);
  const key = read(tls.key_file);
  const rejectUnauthorized = tls.verify ?? true;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([ca, cert, key, tls.server_name, rejectUnauthorized]))
    .digest('hex')
    .slice(0, 16);
  return { ca, cert, key, servername: tls.server_name, rejectUnauthorized, fingerprint };
}
