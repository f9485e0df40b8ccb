import { createServer, type Server } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import type { AdminContext } from './admin-context.js';
import { createAdminApi } from './admin-api.js';
import { closeListener, listenOn } from '../data-plane/side-listener.js';

/**
 * The admin listener. node:http rather than uWS: admin traffic is rare, and keeping it off the
 * data plane's event loop path keeps the two apart. The context reads the table in force at each
 * request, so a reload that changes the token or the key store applies at once.
 */
export class AdminServer {
  private readonly server: Server;

  constructor(ctx: AdminContext, logger: Logger, metrics: GatewayMetrics | null) {
    const handle = createAdminApi(ctx, logger, metrics);
    this.server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        logger.error({ err }, 'admin request failed');
        res.destroy();
      });
    });
  }

  /** Resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port);
  }

  close(): Promise<void> {
    return closeListener(this.server);
  }
}
