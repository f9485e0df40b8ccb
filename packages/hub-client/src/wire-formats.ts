/** A request's correlation id: the hub echoes it on the answer. */
export type RequestId = number;

/** A server message in the client's terms, whatever the route's format. */
export type Inbound =
  | { kind: 'connected'; epoch: string; connectionId: string; user: string | null }
  | { kind: 'event'; channel: string; data: unknown; seq: number; ts: number }
  | { kind: 'ack'; id: RequestId; fields: Record<string, unknown> }
  | { kind: 'error'; id: RequestId | undefined; code: string; message: string }
  | { kind: 'ping' }
  | { kind: 'message'; data: unknown }
  | { kind: 'other'; message: Record<string, unknown> };

/** One of the hub's wire formats (a route's `message_format`): encoders and one decoder. */
export interface WireFormat {
  readonly name: 'native' | 'type_data';
  subscribe(id: RequestId, channel: string, since: number | undefined): string;
  unsubscribe(id: RequestId, channel: string): string;
  publish(id: RequestId, channel: string, data: unknown): string;
  auth(id: RequestId, token: string): string;
  pong(): string;
  /** A message route's type (`message_routes`), with its fields. */
  request(id: RequestId, type: string, fields: Record<string, unknown>): string;
  /** Null for text that is not a JSON object with a type. */
  decode(text: string): Inbound | null;
}

type Fields = Record<string, unknown>;

function parse(text: string): Fields | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return typeof (value as Fields).type === 'string' ? (value as Fields) : null;
}

function idOf(message: Fields): RequestId | undefined {
  return typeof message.id === 'number' ? message.id : undefined;
}

function objectOf(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Fields)
    : {};
}

function connected(f: Fields): Inbound {
  return {
    kind: 'connected',
    epoch: String(f.history_epoch ?? ''),
    connectionId: String(f.connection_id ?? ''),
    user: typeof f.user === 'string' ? f.user : null,
  };
}

/** The answer to a request: an ack when it has our id, else passed on as it is. */
function answer(message: Fields, fields: Fields): Inbound {
  const id = idOf(message);
  return id === undefined ? { kind: 'other', message } : { kind: 'ack', id, fields };
}

/** The hub's own format: `{"type": "subscribe", "channel": ..., "id": ...}`, fields at the top. */
export const nativeFormat: WireFormat = {
  name: 'native',
  subscribe: (id, channel, since) =>
    JSON.stringify(
      since === undefined
        ? { type: 'subscribe', channel, id }
        : { type: 'subscribe', channel, since, id },
    ),
  unsubscribe: (id, channel) => JSON.stringify({ type: 'unsubscribe', channel, id }),
  publish: (id, channel, data) => JSON.stringify({ type: 'publish', channel, data, id }),
  auth: (id, token) => JSON.stringify({ type: 'auth', token, id }),
  pong: () => '{"type":"pong"}',
  request: (id, type, fields) => JSON.stringify({ ...fields, type, id }),
  decode(text) {
    const m = parse(text);
    if (m === null) return null;
    switch (m.type) {
      case 'connected':
        return connected(m);
      case 'event':
        return {
          kind: 'event',
          channel: String(m.channel),
          data: m.data,
          seq: Number(m.seq),
          ts: Number(m.ts),
        };
      case 'ack':
        return answer(m, m);
      case 'error':
        return { kind: 'error', id: idOf(m), code: String(m.code), message: String(m.message) };
      case 'ping':
        return { kind: 'ping' };
      case 'message':
        return { kind: 'message', data: m.data };
      default:
        return { kind: 'other', message: m };
    }
  },
};

/** Seed 001's dialect (`message_format: type_data`): `{"type": "Subscribe", "data": {...}}`. */
export const typeDataFormat: WireFormat = {
  name: 'type_data',
  subscribe: (id, channel, since) =>
    JSON.stringify({
      type: 'Subscribe',
      data: since === undefined ? { channel } : { channel, since },
      id,
    }),
  unsubscribe: (id, channel) => JSON.stringify({ type: 'Unsubscribe', data: { channel }, id }),
  publish: (id, channel, data) =>
    JSON.stringify({ type: 'Broadcast', data: { channel, message: data }, id }),
  auth: (id, token) => JSON.stringify({ type: 'Auth', data: { token }, id }),
  pong: () => '{"type":"Pong"}',
  request: (id, type, fields) => JSON.stringify({ type, data: fields, id }),
  decode(text) {
    const m = parse(text);
    if (m === null) return null;
    const data = objectOf(m.data);
    switch (m.type) {
      case 'connected':
        return connected(data);
      case 'broadcast':
        return {
          kind: 'event',
          channel: String(data.channel),
          data: data.message,
          seq: Number(data.seq),
          ts: Number(data.ts),
        };
      case 'subscribed':
      case 'unsubscribed':
      case 'broadcast_sent':
      case 'auth_success':
      case 'ack':
        return answer(m, data);
      case 'Error':
        return {
          kind: 'error',
          id: idOf(m),
          code: String(data.code),
          message: String(data.message),
        };
      case 'ping':
        return { kind: 'ping' };
      case 'message':
        return { kind: 'message', data: m.data };
      default:
        return { kind: 'other', message: m };
    }
  },
};
