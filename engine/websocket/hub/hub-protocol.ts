/**
 * The hub's native JSON wire format (docs/guides/websocket-hub.md, "Protocol"): the shape every format decodes client
 * messages into, error codes, close codes, and the native frame builders (as strings, so each is
 * serialised once). Other formats are in *-message-format.ts.
 */

/** Message types of the protocol itself; message_routes cannot take these names. */
export const RESERVED_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'subscribe',
  'unsubscribe',
  'publish',
  'ping',
  'pong',
  'auth',
  'connected',
  'event',
  'ack',
  'error',
]);

/** Stable codes of `error` messages. */
export type HubErrorCode =
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'BAD_CHANNEL'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'CHANNEL_FULL'
  | 'NOT_SUBSCRIBED'
  | 'ALREADY_SUBSCRIBED'
  | 'RATE_LIMITED'
  | 'TOKEN_EXPIRED'
  | 'BAD_GATEWAY'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** WebSocket close codes the hub uses (RFC 6455 7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL = 1011;

/** A client message: its `type` and the fields as sent (validated by each handler). */
export interface ClientMessage {
  type: string;
  /** Correlation id, echoed on the ack or error; a string or number as sent. */
  id: string | number | undefined;
  fields: Record<string, unknown>;
}

/** The message, or the error to answer when it is not a JSON object with a string `type`. */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'the message is not a JSON object' };
  }
  const fields = value as Record<string, unknown>;
  if (typeof fields.type !== 'string' || fields.type === '') {
    return { error: 'the message has no "type"' };
  }
  const id = fields.id;
  return {
    type: fields.type,
    id: typeof id === 'string' || typeof id === 'number' ? id : undefined,
    fields,
  };
}

export function errorFrame(
  id: string | number | undefined,
  code: HubErrorCode,
  message: string,
): string {
  return JSON.stringify({ type: 'error', id, code, message });
}

export function ackFrame(id: string | number | undefined, extra: Record<string, unknown>): string {
  return JSON.stringify({ type: 'ack', id, ...extra });
}

/**
 * The fields of a message route's ack: `own` and the reply under `data`; with `merge`, a JSON
 * object reply's fields beside `own` instead (`own` first keeps its fields in front, `own` last
 * keeps their values).
 */
export function routedFields(
  own: Record<string, unknown>,
  merge: boolean,
  data: unknown,
): Record<string, unknown> {
  if (merge && typeof data === 'object' && data !== null && !Array.isArray(data)) {
    return { ...own, ...data, ...own };
  }
  return { ...own, data };
}

/** `data` is already JSON text: an event is built once per message and sent to every subscriber. */
export function eventFrame(channel: string, dataJson: string, seq: number, ts: number): string {
  return `{"type":"event","channel":${JSON.stringify(channel)},"data":${dataJson},"seq":${seq},"ts":${ts}}`;
}
