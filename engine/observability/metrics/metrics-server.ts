import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import { closeListener, listenOn } from '../../data-plane/side-listener.js';

/** The exposition text and its content type, read fresh for each scrape. */
export type ReadMetrics = () => Promise<{ contentType: string; body: string }>;

/**
 * The Prometheus endpoint: a node:http listener of its own, off the data plane, answering GET
 * (and HEAD) on one path. Scrapes are rare; what they read is computed only when they come.
 */
export class MetricsServer {
  private readonly server: Server;

  constructor(path: string, read: ReadMetrics, logger: Logger) {
    this.server = createServer((req, res) => {
      const target = (req.url ?? '/').split('?')[0];
      if (target !== path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
        return;
      }
      read().then(
        ({ contentType, body }) => {
          res.writeHead(200, {
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
          });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          logger.error({ err }, 'metrics scrape failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
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
