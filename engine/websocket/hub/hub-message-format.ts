import type { RouteConfig } from '../../config/gateway-config.js';
import type { ClientMessage, HubErrorCode } from './hub-protocol.js';

/** Values of a `handler: websocket` route's `message_format`. */
export type HubMessageFormatName = NonNullable<RouteConfig['message_format']>;

type Id = string | number | undefined;

/** What the `connected` message tells a client right after the upgrade. */
export interface ConnectedInfo {
  connectionId: string;
  gatewayId: string;
  user: string | null;
  pingIntervalMs: number;
  historyEpoch: string;
  ts: number;
}

/** The `connected` message's fields, the same in every format. */
export function connectedFields(c: ConnectedInfo): Record<string, unknown> {
  return {
    connection_id: c.connectionId,
    gateway_id: c.gatewayId,
    user: c.user,
    ping_interval_ms: c.pingIntervalMs,
    history_epoch: c.historyEpoch,
    ts: c.ts,
  };
}

/**
 * One wire format of the hub: a decoder of client messages into the hub's operations (auth,
 * subscribe, unsubscribe, publish, ping, pong, message routes) and an encoder of every server
 * message. A route picks one at compile time; the connection keeps it, so no message branches
 * on the format.
 */
export interface HubMessageFormat {
  readonly name: HubMessageFormatName;
  /**
   * Part of the uWS topic names: an event is encoded once per format, and each format's
   * subscribers get their own topics.
   */
  readonly tag: string;
  /** A client message in the hub's native terms, or the BAD_MESSAGE reason. */
  decode(text: string): ClientMessage | { error: string };
  connected(info: ConnectedInfo): string;
  /** `dataJson` is already JSON text: an event is encoded once, not per subscriber. */
  event(channel: string, dataJson: string, seq: number, ts: number): string;
  subscribed(id: Id, channel: string, replayed: number): string;
  unsubscribed(id: Id, channel: string): string;
  published(id: Id, channel: string, seq: number): string;
  authenticated(id: Id, user: string, expiresAt: number | null): string;
  /**
   * A message route's upstream answered 2xx/3xx: the reply under `data`, or with the route's
   * `reply: merge` a JSON object reply's fields beside the ack's own (which a reply cannot change).
   */
  routed(
    id: Id,
    route: { readonly type: string; readonly mergeReply: boolean },
    status: number,
    data: unknown,
  ): string;
  error(id: Id, code: HubErrorCode, message: string, status?: number): string;
  pong(id: Id, ts: number): string;
  ping(ts: number): string;
  /** An operator's message to this connection (admin API). */
  message(data: unknown): string;
}
