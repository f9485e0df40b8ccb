import type { IngressRules } from './ingress-rules.js';

/** One message a service pushes into the hub, resolved to its channel. */
export interface IngressEvent {
  channel: string;
  data: unknown;
  /** Set for `user_notification` (and events with `target_user`): only that user's connections. */
  targetUser: string | null;
}

/** Why a body was refused; the webhook answers it as a 400 with this message. */
export class IngressRefusal extends Error {}

/**
 * Reads one ingress body (webhook request or redis_pubsub message). The shapes are seed 001's:
 *
 *   {"type": "user_notification", "target_user": "u1", "channel"?: "...", "message"|"data": ...}
 *   {"type": "channel_broadcast", "channel": "...", "message"|"data": ...}
 *   {"event": "user.created", "data"|"message": ..., "target_user"?: "..."}  (service_events)
 *   {"channel": "...", "data"|"message": ..., "target_user"?: "..."}
 *
 * The payload is `data`, or seed 001's `message` when `data` is absent. Throws IngressRefusal.
 */
export function readIngressEvent(body: unknown, rules: IngressRules): IngressEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IngressRefusal('the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const data = 'data' in b ? b.data : 'message' in b ? b.message : undefined;
  if (data === undefined) throw new IngressRefusal('data (or message): required');
  const targetUser = optionalString(b, 'target_user');
  const named = optionalString(b, 'channel');

  if (b.type !== undefined) {
    if (b.type === 'user_notification') {
      if (targetUser === null)
        throw new IngressRefusal('target_user: required for user_notification');
      const channel = named ?? rules.defaultUserChannel;
      if (channel === null) {
        throw new IngressRefusal(
          'channel: required (no single user_specific channel is configured to default to)',
        );
      }
      return { channel: concrete(channel), data, targetUser };
    }
    if (b.type === 'channel_broadcast') {
      if (named === null) throw new IngressRefusal('channel: required for channel_broadcast');
      return { channel: concrete(named), data, targetUser: null };
    }
    throw new IngressRefusal('type: expected "user_notification" or "channel_broadcast"');
  }
  if (b.event !== undefined) {
    if (typeof b.event !== 'string') throw new IngressRefusal('event: a string');
    if (!rules.serviceEventsEnabled) {
      throw new IngressRefusal('events are not accepted: websocket.routing.service_events is off');
    }
    const channel = rules.mappings.get(b.event);
    if (channel === undefined) {
      throw new IngressRefusal(`event "${b.event}" has no service_events mapping`);
    }
    return { channel, data, targetUser };
  }
  if (named !== null) return { channel: concrete(named), data, targetUser };
  throw new IngressRefusal('expected "type", "event" or "channel"');
}

function optionalString(b: Record<string, unknown>, key: string): string | null {
  const v = b[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v === '') throw new IngressRefusal(`${key}: a non-empty string`);
  return v;
}

/** Messages go to concrete channels; patterns are for subscribing. */
function concrete(channel: string): string {
  if (channel.includes('*')) {
    throw new IngressRefusal(`channel "${channel}": a channel name, not a pattern`);
  }
  return channel;
}

/**
 * One message of a broker (RabbitMQ, NATS): JSON in the webhook's shapes, where a body without
 * `type`, `event` or `channel` names its event by the routing key or subject, as publishers on
 * brokers usually do: `{"data": {...}}` published as `user.created`. Throws IngressRefusal.
 */
export function readQueueMessage(
  content: Uint8Array,
  routingKey: string,
  rules: IngressRules,
): IngressEvent {
  let body: unknown;
  try {
    body = JSON.parse(
      Buffer.from(content.buffer, content.byteOffset, content.length).toString('utf8'),
    );
  } catch {
    throw new IngressRefusal('the message is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || routingKey === '') {
    return readIngressEvent(body, rules);
  }
  const named = 'type' in body || 'event' in body || 'channel' in body;
  return readIngressEvent(named ? body : { ...body, event: routingKey }, rules);
}
