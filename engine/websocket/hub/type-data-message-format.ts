import { connectedFields, type HubMessageFormat } from './hub-message-format.js';
import { RESERVED_MESSAGE_TYPES, routedFields, type ClientMessage } from './hub-protocol.js';

type Decode = (data: Record<string, unknown>) => ClientMessage['fields'] | { error: string };

/** The seed's client message types and the hub operation each one is. */
const OPERATIONS: ReadonlyMap<string, { type: string; fields: Decode }> = new Map([
  ['Auth', { type: 'auth', fields: (d) => ({ token: d.token }) }],
  ['Subscribe', { type: 'subscribe', fields: (d) => ({ channel: d.channel, since: d.since }) }],
  ['Unsubscribe', { type: 'unsubscribe', fields: (d) => ({ channel: d.channel }) }],
  [
    'Broadcast',
    {
      type: 'publish',
      fields: (d) =>
        'message' in d
          ? { channel: d.channel, data: d.message }
          : { error: 'Broadcast needs "data.message"' },
    },
  ],
  ['Ping', { type: 'ping', fields: () => ({}) }],
  ['Pong', { type: 'pong', fields: () => ({}) }],
]);

/** The client types this format takes; message_routes cannot use them either. */
export const TYPE_DATA_CLIENT_TYPES: ReadonlySet<string> = new Set(OPERATIONS.keys());

/**
 * Seed 001's client dialect (`message_format: type_data`): every message is
 * `{"type": <name>, "data": {...}}`. Clients send Auth, Subscribe, Unsubscribe, Broadcast (and
 * Ping, Pong); the server answers connected, auth_success, subscribed, unsubscribed,
 * broadcast_sent, broadcast (a channel message), Error, ack (message routes), ping, pong and
 * message. A correlation `id` is read from the top level and echoed there.
 */
export const typeDataMessageFormat: HubMessageFormat = {
  name: 'type_data',
  tag: 't',
  decode(text) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { error: 'the message is not JSON' };
    }
    if (!isObject(value)) return { error: 'the message is not a JSON object' };
    const { type, data } = value;
    if (typeof type !== 'string' || type === '') return { error: 'the message has no "type"' };
    if (data !== undefined && !isObject(data)) return { error: '"data" must be a JSON object' };
    const id = typeof value.id === 'string' || typeof value.id === 'number' ? value.id : undefined;
    const op = OPERATIONS.get(type);
    if (op === undefined) {
      // Native messages are refused whole rather than half understood (their fields differ).
      if (RESERVED_MESSAGE_TYPES.has(type)) {
        return { error: `"${type}" is a native hub message; this route speaks type_data` };
      }
      return { type, id, fields: data ?? {} };
    }
    const fields = op.fields(data ?? {});
    if ('error' in fields && typeof fields.error === 'string') return { error: fields.error };
    return { type: op.type, id, fields };
  },
  connected: (c) => frame('connected', undefined, connectedFields(c)),
  event: (channel, dataJson, seq, ts) =>
    `{"type":"broadcast","data":{"channel":${JSON.stringify(channel)},"message":${dataJson},"seq":${seq},"ts":${ts}}}`,
  subscribed: (id, channel, replayed) => frame('subscribed', id, { channel, replayed }),
  unsubscribed: (id, channel) => frame('unsubscribed', id, { channel }),
  published: (id, channel, seq) => frame('broadcast_sent', id, { channel, seq }),
  authenticated: (id, user, expiresAt) =>
    frame('auth_success', id, { authenticated: true, user, expires_at: expiresAt }),
  routed: (id, route, status, data) =>
    frame('ack', id, routedFields({ message_type: route.type, status }, route.mergeReply, data)),
  error: (id, code, message, status) => frame('Error', id, { code, message, status }),
  pong: (id, ts) => frame('pong', id, { ts }),
  ping: (ts) => `{"type":"ping","data":{"ts":${ts}}}`,
  message: (data) => JSON.stringify({ type: 'message', data: data === undefined ? null : data }),
};

function frame(type: string, id: string | number | undefined, data: object): string {
  return JSON.stringify({ type, id, data });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
