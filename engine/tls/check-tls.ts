import { createSecureContext } from 'node:tls';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import type { ServerConfig } from '../config/gateway-config.js';
import { ConfigCode } from '../errors/config-codes.js';
import { CertificateProblem, loadCertificatePair } from './certificate-pair.js';

/** `check` warns about a certificate expiring sooner than this. */
export const EXPIRY_WARNING_MS = 14 * 24 * 3600 * 1000;

/**
 * The HTTPS listener's keys: each certificate file exists, parses and matches its key; one
 * expiring within 14 days is a warning. `now` is injectable for tests.
 */
export function checkTls(server: ServerConfig | undefined, now = Date.now()): PathProblem[] {
  const problems: PathProblem[] = [];
  const error = (path: ConfigPath, message: string, hint?: string): void => {
    problems.push({ severity: 'error', code: ConfigCode.TLS, message, hint, path });
  };
  const tls = server?.tls;
  if (server?.https_port !== undefined && tls === undefined) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.NO_CERTIFICATE,
      message: `server.https_port ${server.https_port} is not opened: server.tls gives no certificate`,
      hint: 'add server.tls: {cert_file: ..., key_file: ...}',
      path: ['server', 'https_port'],
      atKey: true,
    });
  }
  if (tls !== undefined && server?.https_port === undefined) {
    error(
      ['server', 'tls'],
      'server.tls is set but no HTTPS port is: nothing would serve it',
      'add server.https_port (e.g. 8443)',
    );
  }
  if (
    server?.redirect_to_https === true &&
    (server.https_port === undefined || tls === undefined)
  ) {
    error(
      ['server', 'redirect_to_https'],
      'server.redirect_to_https needs server.https_port and server.tls: there is no HTTPS listener to redirect to',
    );
  }
  if (tls === undefined) return problems;
  if (tls.min_version === 'TLSv1.3') {
    error(
      ['server', 'tls', 'min_version'],
      'min_version TLSv1.3 cannot be enforced: the uWebSockets.js builds gatewayd runs on accept TLS 1.2 and 1.3 and offer no switch to refuse 1.2',
      'use TLSv1.2 (TLS 1.0 and 1.1 are always refused), or terminate TLS 1.3-only in front of the gateway',
    );
  }
  if (tls.ciphers !== undefined) {
    try {
      createSecureContext({ ciphers: tls.ciphers });
    } catch (err) {
      error(
        ['server', 'tls', 'ciphers'],
        `server.tls.ciphers is not a cipher list OpenSSL accepts: ${(err as Error).message}`,
        'give an OpenSSL cipher string, e.g. "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"',
      );
    }
  }
  const pairs: Array<{ at: ConfigPath; certFile: string; keyFile: string }> = [
    { at: ['server', 'tls'], certFile: tls.cert_file, keyFile: tls.key_file },
    ...(tls.certificates ?? []).map((c, i) => ({
      at: ['server', 'tls', 'certificates', i],
      certFile: c.cert_file,
      keyFile: c.key_file,
    })),
  ];
  for (const { at, certFile, keyFile } of pairs) {
    try {
      const pair = loadCertificatePair(certFile, keyFile, tls.passphrase);
      const left = pair.notAfter.getTime() - now;
      if (left < EXPIRY_WARNING_MS) {
        const when = pair.notAfter.toISOString();
        problems.push({
          severity: 'warning',
          code: ConfigCode.CERTIFICATE_EXPIRY,
          message:
            left <= 0
              ? `the certificate in ${certFile} expired on ${when}`
              : `the certificate in ${certFile} expires on ${when}, in ${Math.ceil(left / 86_400_000)} days`,
          hint: 'renew it and replace the file: the gateway loads the new one without a restart',
          path: [...at, 'cert_file'],
        });
      }
    } catch (err) {
      if (!(err instanceof CertificateProblem)) throw err;
      error([...at, err.file === keyFile ? 'key_file' : 'cert_file'], err.message);
    }
  }
  return problems;
}
