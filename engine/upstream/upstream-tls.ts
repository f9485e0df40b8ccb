/**
 * How the gateway connects to an upstream's https:// endpoints (undici's connect options):
 * built at compile time from `upstreams.<name>.tls`.
 */
export interface UpstreamTls {
  /** PEM contents, not file names. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
  /** Equal for two settings that connect the same way: part of the pool key, never the PEMs. */
  readonly fingerprint: string;
}

/** The TLS part of undici's connect options; empty for plain upstreams. */
export function tlsConnectOptions(tls: UpstreamTls | null): {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
} {
  if (tls === null) return {};
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}
