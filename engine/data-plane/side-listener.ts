import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The gateway's node:http listeners beside the data plane (admin API, metrics): listen resolves
 * with the bound port or rejects when the address is taken; close ends open connections too, so
 * a keep-alive scraper cannot hold up a shutdown.
 */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeListener(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
