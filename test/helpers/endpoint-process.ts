import { spawn, type ChildProcess } from 'node:child_process';
import { bareNode } from './node-process.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

/**
 * The endpoint's program: /health answers 200; any other path answers its own port, after
 * `?delay=MS` milliseconds when the query asks for it (requests in flight when it is killed).
 */
const PROGRAM = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.url === '/health' ? 'ok' : JSON.stringify({ port: server.address().port });
    const delay = Number(/[?&]delay=(\\d+)/.exec(req.url)?.[1] ?? 0);
    setTimeout(() => {
      res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }, delay);
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log(server.address().port));
`;

/**
 * An upstream endpoint in a process of its own, so that a test can kill it the way a crash
 * does (SIGKILL: connections reset, then refused) and start it again on the same port.
 */
export class EndpointProcess {
  private constructor(
    private proc: ChildProcess,
    readonly port: number,
  ) {}

  static async start(t: Tap, port = 0): Promise<EndpointProcess> {
    const proc = spawn(...bareNode(['-e', PROGRAM, String(port)]), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const bound = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('endpoint did not start in 5 s')), 5000);
      proc.stdout?.setEncoding('utf8').once('data', (line: string) => {
        clearTimeout(timer);
        resolve(Number(line.trim()));
      });
      proc.once('exit', (code) => reject(new Error(`endpoint exited with ${code}`)));
    });
    const endpoint = new EndpointProcess(proc, bound);
    t.teardown(() => endpoint.kill());
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void> {
    const proc = this.proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }
}
