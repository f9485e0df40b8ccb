import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON object per line on stdout. Anything that could carry a credential is redacted by
 * path, so a debug log of headers never prints a token.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'headers.authorization',
        'headers.cookie',
        'headers["x-api-key"]',
        'config.auth.jwt.secret',
        'config.redis.url',
        '*.secret',
        '*.password',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
