import { ConfigCode, type ConfigCodeValue } from '../errors/config-codes.js';
import {
  httpUrlProblem,
  httpUrlWithPathProblem,
  isCidr,
  parseDuration,
  parseSize,
} from './units.js';

/** A custom string format of the schema: how ajv checks it and how a failure is reported. */
export interface ConfigFormat {
  validate(s: string): boolean;
  code: ConfigCodeValue;
  /** What the value should have been, e.g. "a duration". */
  noun: string;
  /** Why this value is wrong, when more can be said than "not a <noun>". */
  reason?(s: string): string | undefined;
  hint: string;
}

export const configFormats: Readonly<Record<string, ConfigFormat>> = {
  duration: {
    validate: (s) => parseDuration(s) !== undefined,
    code: ConfigCode.DURATION,
    noun: 'a duration',
    hint: 'write a number and a unit, e.g. "250ms", "30s", "1.5s", "5m", "24h"',
  },
  size: {
    validate: (s) => parseSize(s) !== undefined,
    code: ConfigCode.SIZE,
    noun: 'a size',
    hint: 'write a number and a unit (b, kb, mb, gb; 1kb = 1024 bytes), e.g. "512kb", "1mb", "10MB"',
  },
  'http-url': {
    validate: (s) => httpUrlProblem(s) === undefined,
    code: ConfigCode.URL,
    noun: 'an endpoint URL',
    reason: httpUrlProblem,
    hint: 'write http:// or https://, a host and an optional port, e.g. "http://10.0.0.5:3001", "https://users.internal"',
  },
  'http-url-with-path': {
    validate: (s) => httpUrlWithPathProblem(s) === undefined,
    code: ConfigCode.URL,
    noun: 'an http(s) URL',
    reason: httpUrlWithPathProblem,
    hint: 'write http:// or https://, a host, an optional port and path, e.g. "http://otel-collector:4318/v1/traces"',
  },
  cidr: {
    validate: isCidr,
    code: ConfigCode.CIDR,
    noun: 'a CIDR range or IP address',
    hint: 'write an address or a range, e.g. "10.0.0.0/8", "192.168.1.10", "fd00::/8", "::1"',
  },
};
