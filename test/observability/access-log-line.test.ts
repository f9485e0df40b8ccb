import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import t from 'tap';
import type { Exchange } from '../../engine/data-plane/exchange.js';
import { createAccessLog } from '../../engine/observability/access-log.js';
import { NO_VALUE } from '../../engine/observability/no-value.js';
import { bareNode } from '../helpers/node-process.js';

/** The fields the access log reads, nothing else. */
function exchange(fields: Partial<Record<keyof Exchange, unknown>>): Exchange {
  return {
    requestId: 'req-1',
    trace: null,
    method: 'GET',
    path: '/api/a',
    routeName: 'api',
    upstreamName: 'users',
    reportedStatus: 200,
    cut: false,
    bytesIn: 0,
    bytesOut: 2,
    peerAddress: '127.0.0.1',
    identity: null,
    retries: 0,
    rateLimit: null,
    ...fields,
  } as unknown as Exchange;
}

const EXCHANGES = [
  exchange({}),
  exchange({ routeName: '', upstreamName: '', reportedStatus: 404, method: 'BREW' }),
  exchange({
    trace: { traceId: '0af7651916cd43dd8448eb211c80319c' },
    identity: { subject: 'user-"alice"\\', method: 'jwt', roles: [], permissions: [] },
    rateLimit: { allowed: false, degraded: 'deny' },
    cut: true,
    retries: 2,
    bytesIn: 1234,
  }),
  exchange({ rateLimit: { allowed: true }, path: '/a"b\\c' }),
  exchange({ rateLimit: { allowed: true, degraded: 'allow' } }),
  exchange({ path: '/tab\there', requestId: 'x'.repeat(101), peerAddress: '::1' }),
  exchange({ path: `/${'é'.repeat(120)}`, requestId: 'ünïcode' }),
];
const DURATIONS = [0, 1.23456789, 250.5, 12e-7];

/** Lines as pino writes them for the same fields, and as the access log writes them. */
function bothWays(destination: (lines: string[]) => pino.DestinationStream) {
  const ours: string[] = [];
  const pinos: string[] = [];
  const options = { level: 'info', base: { pid: 4242 }, timestamp: () => ',"time":"then"' };
  const log = createAccessLog(pino(options, destination(ours)).child({ worker: 2 }));
  const reference = pino(options, destination(pinos)).child({ worker: 2 });
  EXCHANGES.forEach((ex, i) => {
    const durationMs = DURATIONS[i % DURATIONS.length] as number;
    log(ex, durationMs);
    const limit = ex.rateLimit;
    reference.info(
      {
        request_id: ex.requestId,
        trace_id: ex.trace?.traceId,
        method: ex.method,
        path: ex.path,
        route: ex.routeName || NO_VALUE,
        upstream: ex.upstreamName || NO_VALUE,
        status: ex.reportedStatus,
        cut: ex.cut ? true : undefined,
        duration_ms: Math.round(durationMs * 1000) / 1000,
        bytes_in: ex.bytesIn,
        bytes_out: ex.bytesOut,
        client: ex.peerAddress,
        subject: ex.identity?.subject,
        auth_method: ex.identity?.method,
        retries: ex.retries,
        rate_limit: limit === null ? undefined : limit.allowed ? 'allowed' : 'refused',
        rate_limit_fallback: limit?.degraded,
      },
      'request',
    );
  });
  return { ours, pinos };
}

t.test('an access log line is byte for byte the line pino writes for its fields', async (t) => {
  const { ours, pinos } = bothWays((lines) => ({ write: (s: string) => void lines.push(s) }));
  t.equal(ours.length, EXCHANGES.length);
  t.same(ours, pinos);
  for (const line of ours) t.ok(JSON.parse(line), 'valid JSON');
  t.match(JSON.parse(ours[0] as string), { level: 30, time: 'then', pid: 4242, worker: 2 });
});

t.test('a destination that reads line metadata gets the same lines through pino', async (t) => {
  const { ours, pinos } = bothWays((lines) =>
    pino.multistream([{ stream: { write: (s: string) => void lines.push(s) } }]),
  );
  t.equal(ours.length, EXCHANGES.length);
  t.same(ours, pinos);
});

t.test('the access log follows the logger level', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  const log = createAccessLog(logger);
  log(exchange({}), 1);
  t.equal(lines.length, 0, 'warn: no line');
  logger.level = 'info';
  log(exchange({}), 1);
  t.equal(lines.length, 1, 'info: one line');
});

const LOGGER = fileURLToPath(new URL('../../dist/observability/logger.js', import.meta.url));

t.test(
  'JSON log lines batched for writing all reach stdout, in order, however the process ends',
  async (t) => {
    const endings = {
      'process.exit': 'process.exit(0)',
      'an uncaught exception': "throw new Error('boom')",
      'an empty event loop': '',
      'a timer after the lines': "setTimeout(() => { log.info('late'); process.exit(0); }, 20)",
    };
    // Several full batches and a part of one.
    const count = 3000;
    for (const [how, ending] of Object.entries(endings)) {
      const script =
        `const { createLogger } = await import(${JSON.stringify(LOGGER)});` +
        `const log = createLogger('info');` +
        `for (let i = 0; i < ${count}; i++) log.info({ i }, 'line');` +
        ending;
      let out: string;
      try {
        out = execFileSync(...bareNode(['--input-type=module', '-e', script]), {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 10_000,
        });
      } catch (err) {
        // The uncaught exception exits with 1; its stdout is what counts.
        out = (err as { stdout: string }).stdout;
      }
      const numbers = out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i?: number }).i)
        .filter((i) => i !== undefined);
      t.same(
        numbers,
        Array.from({ length: count }, (_, i) => i),
        `${count} lines, then ${how}`,
      );
    }
  },
);
