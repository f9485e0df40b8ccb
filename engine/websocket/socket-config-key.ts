import { createHash } from 'node:crypto';

/**
 * The fingerprint a WebSocket connection carries as its session's configKey (see OpenSockets):
 * a hash of the config the connection depends on, e.g. a proxy route and its upstream, or a hub
 * channel. Object keys are sorted first, so reordering keys in gateway.yaml or editing other
 * routes leaves it unchanged and the connections open; any change of value closes them with 1012.
 */
export function socketConfigKey(kind: string, ...configs: unknown[]): string {
  const digest = createHash('sha256').update(canonicalJson(configs)).digest('base64url');
  return `${kind}:${digest}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
