import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { tlsConnectOptions, type UpstreamTls } from '../../upstream/upstream-tls.js';

/** The message of the error a connect that took too long fails with. */
export const CONNECT_TIMEOUT = 'upstream connect timed out';

type ConnectOptions = net.NetConnectOpts & tls.ConnectionOptions & { host?: string };

/**
 * A `createConnection` for the ws client that fails a TCP (and TLS) connect taking longer than
 * `timeoutMs`, as the upstream's connect_timeout does for HTTP. The handshake timeout alone
 * would let a blackholed endpoint hold the client for the route's whole timeout.
 */
export function connectWithin(
  timeoutMs: number,
  secure: boolean,
  upstreamTls: UpstreamTls | null,
): (options: object) => Socket {
  const tlsOptions = tlsConnectOptions(upstreamTls);
  return function connect(options) {
    const o = options as ConnectOptions;
    // The options are those of the HTTP request: `path` is its URL path, not a Unix socket.
    const socket = secure
      ? tls.connect({
          ...o,
          ...tlsOptions,
          path: undefined,
          servername:
            tlsOptions.servername ?? o.servername ?? (net.isIP(o.host ?? '') ? '' : o.host),
        } as tls.ConnectionOptions)
      : net.connect({ ...o, path: undefined } as net.NetConnectOpts);
    const timer = setTimeout(() => socket.destroy(new Error(CONNECT_TIMEOUT)), timeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}
