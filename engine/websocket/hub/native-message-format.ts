import { connectedFields, type HubMessageFormat } from './hub-message-format.js';
import {
  ackFrame,
  errorFrame,
  eventFrame,
  parseClientMessage,
  routedFields,
} from './hub-protocol.js';

/**
 * The hub's own format (docs/guides/websocket-hub.md, "Protocol"): `{"type": "subscribe", "channel": ..., "id": ...}`
 * in, `{"type": "event" | "ack" | "error" | ..., ...}` out, fields at the top level.
 */
export const nativeMessageFormat: HubMessageFormat = {
  name: 'native',
  tag: 'n',
  decode: parseClientMessage,
  connected: (c) => JSON.stringify({ type: 'connected', ...connectedFields(c) }),
  event: eventFrame,
  subscribed: (id, channel, replayed) => ackFrame(id, { channel, replayed }),
  unsubscribed: (id, channel) => ackFrame(id, { channel }),
  published: (id, channel, seq) => ackFrame(id, { channel, seq }),
  authenticated: (id, user, expiresAt) => ackFrame(id, { user, expires_at: expiresAt }),
  routed: (id, route, status, data) =>
    JSON.stringify(
      routedFields({ type: 'ack', id, message_type: route.type, status }, route.mergeReply, data),
    ),
  error: (id, code, message, status) =>
    status === undefined
      ? errorFrame(id, code, message)
      : JSON.stringify({ type: 'error', id, code, message, status }),
  pong: (id, ts) => JSON.stringify({ type: 'pong', id, ts }),
  ping: (ts) => `{"type":"ping","ts":${ts}}`,
  message: (data) => JSON.stringify({ type: 'message', data: data === undefined ? null : data }),
};
