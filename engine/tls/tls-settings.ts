import type { ServerConfig } from '../config/gateway-config.js';

/** One certificate of the HTTPS listener: the default one (no names) or one chosen by SNI. */
export interface CertificateSource {
  readonly certFile: string;
  readonly keyFile: string;
  /** Exact names and `*.` wildcards; empty for the default certificate. */
  readonly serverNames: readonly string[];
}

/** `server.https_port` and `server.tls`, as the HTTPS listener reads them. */
export interface TlsSettings {
  readonly httpsPort: number;
  /** The default certificate first, then the SNI ones in config order. */
  readonly certificates: readonly CertificateSource[];
  readonly passphrase: string | undefined;
  readonly ciphers: string | undefined;
  /** Equal for two settings that build the same listener. */
  readonly fingerprint: string;
}

/** Null when no HTTPS port is configured (check refuses https_port without tls). */
export function compileTlsSettings(server: ServerConfig | undefined): TlsSettings | null {
  const tls = server?.tls;
  if (server?.https_port === undefined || tls === undefined) return null;
  const certificates: CertificateSource[] = [
    { certFile: tls.cert_file, keyFile: tls.key_file, serverNames: [] },
    ...(tls.certificates ?? []).map((c) => ({
      certFile: c.cert_file,
      keyFile: c.key_file,
      serverNames: c.server_names.map((n) => n.toLowerCase()),
    })),
  ];
  return {
    httpsPort: server.https_port,
    certificates,
    passphrase: tls.passphrase,
    ciphers: tls.ciphers,
    fingerprint: JSON.stringify([certificates, tls.ciphers ?? '', tls.passphrase ?? '']),
  };
}
