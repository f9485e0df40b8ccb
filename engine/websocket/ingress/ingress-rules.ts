import type { WebSocketConfig } from '../../config/gateway-config.js';

/**
 * How a service's event becomes a hub message, compiled once per table: the
 * `routing.service_events` mappings and the channel a `user_notification` without `channel`
 * goes to (the one user_specific channel, when exactly one is configured).
 */
export interface IngressRules {
  /** Event name → channel; empty when service_events is disabled. */
  readonly mappings: ReadonlyMap<string, string>;
  readonly serviceEventsEnabled: boolean;
  readonly defaultUserChannel: string | null;
}

export function compileIngressRules(ws: WebSocketConfig): IngressRules {
  const events = ws.routing?.service_events;
  const enabled = events !== undefined && events.enabled !== false;
  const userChannels = Object.entries(ws.channels ?? {})
    .filter(([name, c]) => name !== 'default' && c.user_specific === true && !name.includes('*'))
    .map(([name]) => name);
  return {
    mappings: new Map(enabled ? Object.entries(events.mappings ?? {}) : []),
    serviceEventsEnabled: enabled,
    defaultUserChannel: userChannels.length === 1 ? (userChannels[0] as string) : null,
  };
}
