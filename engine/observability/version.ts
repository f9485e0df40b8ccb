import { readFileSync } from 'node:fs';

/** gatewayd's version, from package.json (the CLI's --version, the spans' instrumentation scope). */
export const GATEWAYD_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
