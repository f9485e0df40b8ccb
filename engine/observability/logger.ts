import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { LogFormat, ObservabilityConfig } from '../config/gateway-config.js';
import { LineBatch } from './line-batch.js';

/** logging.output.type. */
export type LogOutput = NonNullable<NonNullable<ObservabilityConfig['logging']>['output']>['type'];

export type { Logger };

// pino-pretty is loaded only for `format: pretty`, not by every start.
const load = createRequire(import.meta.url);

/**
 * Paths that may carry a credential, censored whatever is logged. Headers of any logged request
 * or response object, the config's secrets, and any field named like a token or password one or
 * two levels down. The access log itself never logs headers, query strings or credentials.
 */
const REDACTED = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["x-api-key"]',
  '*.headers["proxy-authorization"]',
  'config.auth.jwt.secret',
  'config.redis.url',
  'authorization',
  'cookie',
  'token',
  'password',
  'secret',
  'api_key',
  'apiKey',
  'access_token',
  'refresh_token',
  '*.authorization',
  '*.secret',
  '*.password',
  '*.token',
  '*.api_key',
  '*.apiKey',
  '*.access_token',
  '*.refresh_token',
];

/**
 * JSON lines leave in writes of up to 4 KB (one system call for a dozen access log lines, not
 * one each), and at least every LINGER_MS; what is left is written when the process exits.
 */
const BATCH_BYTES = 4096;
const LINGER_MS = 100;

/**
 * Logs on stdout (or stderr: logging.output): one JSON object per line, or (format pretty, for
 * development) coloured lines through pino-pretty in the same process, written synchronously so
 * nothing is lost at exit.
 */
export function createLogger(
  level: string,
  format: LogFormat = 'json',
  output: LogOutput = 'Stdout',
): Logger {
  const dest = output === 'Stderr' ? 2 : 1;
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  if (format === 'json') {
    return pino(options, new LineBatch(pino.destination({ dest }), BATCH_BYTES, LINGER_MS));
  }
  const { build: pretty } = load('pino-pretty') as typeof import('pino-pretty');
  return pino(
    options,
    pretty({
      colorize: (dest === 2 ? process.stderr : process.stdout).isTTY,
      destination: dest,
      sync: true,
      translateTime: 'SYS:standard',
    }),
  );
}
