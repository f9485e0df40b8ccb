import { ConfigCode, type ConfigCodeValue } from '../errors/config-codes.js';
import {
  DURATION_FORMS,
  durationProblem,
  httpUrlProblem,
  httpUrlWithPathProblem,
  isCidr,
  parseDuration,
  parseSize,
  SIZE_FORMS,
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
  /** A value the format accepts, for placeholders. */
  sample: string;
}

/**
 * Named `gatewayd-*` so that no validator mistakes them for the standard formats of JSON Schema
 * (its `duration` is ISO 8601's "PT30S"). A key whose description gives 0s a meaning takes
 * `gatewayd-duration-or-zero`; everywhere else a zero duration is refused.
 */
export const configFormats: Readonly<Record<string, ConfigFormat>> = {
  'gatewayd-duration': {
    validate: (s) => (parseDuration(s) ?? 0) > 0,
    code: ConfigCode.DURATION,
    noun: 'a duration',
    reason: (s) =>
      parseDuration(s) === 0 ? 'zero has no meaning for this key' : durationProblem(s),
    hint: `write a duration above zero: ${DURATION_FORMS}`,
    sample: '1s',
  },
  'gatewayd-duration-or-zero': {
    validate: (s) => parseDuration(s) !== undefined,
    code: ConfigCode.DURATION,
    noun: 'a duration',
    reason: durationProblem,
    hint: `write ${DURATION_FORMS}; this key's description says what 0s means`,
    sample: '0s',
  },
  'gatewayd-size': {
    validate: (s) => parseSize(s) !== undefined,
    code: ConfigCode.SIZE,
    noun: 'a size',
    hint: `write ${SIZE_FORMS}`,
    sample: '1kb',
  },
  'gatewayd-http-url': {
    validate: (s) => httpUrlProblem(s) === undefined,
    code: ConfigCode.URL,
    noun: 'an endpoint URL',
    reason: httpUrlProblem,
    hint: 'write http:// or https://, a host and an optional port, e.g. "http://10.0.0.5:3001", "https://users.internal"',
    sample: 'http://placeholder.invalid',
  },
  'gatewayd-http-url-with-path': {
    validate: (s) => httpUrlWithPathProblem(s) === undefined,
    code: ConfigCode.URL,
    noun: 'an http(s) URL',
    reason: httpUrlWithPathProblem,
    hint: 'write http:// or https://, a host, an optional port and path, e.g. "http://otel-collector:4318/v1/traces"',
    sample: 'http://placeholder.invalid',
  },
  'gatewayd-cidr': {
    validate: isCidr,
    code: ConfigCode.CIDR,
    noun: 'a CIDR range or IP address',
    hint: 'write an address or a range, e.g. "10.0.0.0/8", "192.168.1.10", "fd00::/8", "::1"',
    sample: '127.0.0.1',
  },
};
