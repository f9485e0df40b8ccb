import type { Ajv2020 } from 'ajv/dist/2020.js';
import { configFormats } from './config-formats.js';

/** From engine/config/ and from dist/config/ alike. */
export const SCHEMA_URL = new URL('../../schemas/gateway.schema.json', import.meta.url);

/** verbose: errors carry their schema and data, which the descriptions quote. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, allowUnionTypes: true } as const;

/** The schema's custom string formats (duration, size, ...), the same at build and run time. */
export function addConfigFormats(ajv: Ajv2020): void {
  for (const [name, format] of Object.entries(configFormats)) {
    ajv.addFormat(name, { type: 'string', validate: format.validate });
  }
}
