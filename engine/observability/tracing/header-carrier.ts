import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { Exchange } from '../../data-plane/exchange.js';

/** Reads trace context from a client request's headers (names are lower case already). */
export const EXCHANGE_HEADERS: TextMapGetter<Exchange> = {
  get: (ex, key) => ex.header(key),
  keys: (ex) => ex.headers.filter((_, i) => i % 2 === 0),
};

/** Writes trace context into an upstream header list ([name, value, ...], as undici takes it). */
export const HEADER_LIST: TextMapSetter<string[]> = {
  set: (list, key, value) => {
    list.push(key, value);
  },
};

const TRACE_HEADERS = new Set(['traceparent', 'tracestate']);

/** The client's trace headers are replaced by the gateway's own on each attempt. */
export function withoutTraceHeaders(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!TRACE_HEADERS.has(list[i] as string)) out.push(list[i] as string, list[i + 1] as string);
  }
  return out;
}
