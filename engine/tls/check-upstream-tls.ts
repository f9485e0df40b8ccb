import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import type { UpstreamConfig } from '../config/gateway-config.js';
import { ConfigCode } from '../errors/config-codes.js';
import { CertificateProblem, loadCertificatePair } from './certificate-pair.js';

/**
 * `upstreams.<name>.tls`: its files load (the CA parses, the client certificate matches its
 * key), it is used by an https:// endpoint, and `verify: false` is a warning.
 */
export function checkUpstreamTls(name: string, upstream: UpstreamConfig): PathProblem[] {
  const tls = upstream.tls;
  if (tls === undefined) return [];
  const at: ConfigPath = ['upstreams', name, 'tls'];
  const problems: PathProblem[] = [];
  const error = (key: string, message: string, hint?: string): void => {
    problems.push({ severity: 'error', code: ConfigCode.TLS, message, hint, path: [...at, key] });
  };
  const discovery = upstream.discovery;
  const urls = (discovery.endpoints ?? []).map((ep) => (typeof ep === 'string' ? ep : ep.url));
  const secure = discovery.scheme === 'https' || urls.some((url) => /^(https|wss):/i.test(url));
  if (!secure) {
    problems.push({
      severity: 'error',
      code: ConfigCode.TLS,
      message: `upstream "${name}" has tls settings but no https:// endpoint to use them`,
      hint: 'write its endpoints as https://host:port (with DNS discovery: scheme: https)',
      path: at,
      atKey: true,
    });
  }
  if (tls.verify === false) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.TLS_UNVERIFIED,
      message: `upstream "${name}" accepts any certificate (verify: false): anyone between the gateway and it can read and change the traffic`,
      hint: 'give the CA that signed its certificate as ca_file, and server_name if the endpoint is an address',
      path: [...at, 'verify'],
    });
  }
  if (tls.ca_file !== undefined) {
    try {
      new X509Certificate(readFileSync(tls.ca_file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      error(
        'ca_file',
        code === 'ENOENT'
          ? `cannot read the CA file ${tls.ca_file}: no such file`
          : `${tls.ca_file} does not load as a PEM certificate: ${(err as Error).message}`,
      );
    }
  }
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    error(
      tls.cert_file === undefined ? 'key_file' : 'cert_file',
      'a client certificate needs both cert_file and key_file',
    );
  } else if (tls.cert_file !== undefined && tls.key_file !== undefined) {
    try {
      loadCertificatePair(tls.cert_file, tls.key_file, undefined);
    } catch (err) {
      if (!(err instanceof CertificateProblem)) throw err;
      error(err.file === tls.key_file ? 'key_file' : 'cert_file', err.message);
    }
  }
  return problems;
}
