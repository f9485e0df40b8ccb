/** Response headers a plugin may not set or remove: they frame the body, or the gateway writes them. */
const GATEWAY_WRITTEN = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'content-encoding',
  'date',
  'x-request-id',
]);

export function isGatewayWrittenResponseHeader(lowerName: string): boolean {
  return GATEWAY_WRITTEN.has(lowerName);
}

/** What is wrong with what `create` returned, or null. */
export function validateSteps(steps: unknown): string | null {
  if (typeof steps !== 'object' || steps === null)
    return 'no steps object ({ request?, response?, close? })';
  const s = steps as Record<string, unknown>;
  for (const key of ['request', 'response', 'close'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'function')
      return `a ${key} that is not a function`;
  }
  return null;
}
