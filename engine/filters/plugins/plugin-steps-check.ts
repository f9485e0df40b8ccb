import { isHttpToken } from '../is-http-token.js';

/** Response headers a plugin may not take over: the gateway writes them, or they frame the body. */
const NOT_PLUGIN_OWNED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'date',
  'x-request-id',
  'set-cookie',
]);

export function isGatewayWrittenResponseHeader(lowerName: string): boolean {
  return NOT_PLUGIN_OWNED.has(lowerName);
}

/** What is wrong with what `create` returned, or null. */
export function validateSteps(steps: unknown): string | null {
  if (typeof steps !== 'object' || steps === null)
    return 'no steps object ({ request?, response?, responseHeaders?, close? })';
  const s = steps as Record<string, unknown>;
  for (const key of ['request', 'response', 'close'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'function')
      return `a ${key} that is not a function`;
  }
  const headers = s.responseHeaders;
  if (headers === undefined) return null;
  if (!Array.isArray(headers)) return 'responseHeaders that is not an array of header names';
  for (const name of headers as unknown[]) {
    if (typeof name !== 'string' || !isHttpToken(name))
      return `responseHeaders with an invalid header name ${JSON.stringify(name)}`;
    if (NOT_PLUGIN_OWNED.has(name.toLowerCase()))
      return `responseHeaders naming ${name}, which the gateway writes itself`;
  }
  if (headers.length > 0 && s.response === undefined)
    return 'responseHeaders without a response step';
  return null;
}
