import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import type { OnlineUser } from '../websocket/presence/presence-tracker.js';

/** What the admin operations need from the hub of this process. */
export interface HubOperations {
  /** This process's connections, each with at least its id. */
  connections(): ReadonlyArray<{ id: string }>;
  /** False when no connection has this id. */
  disconnect(id: string, code: number, reason: string): boolean;
  /** False when no connection has this id. */
  sendTo(id: string, data: unknown): boolean;
  /** Subscribers per channel on this process. */
  channelStats(): ReadonlyArray<{ channel: string; subscribers: number }>;
  stats(): object;
  /** Through the bus: reaches the channel's subscribers on every instance. */
  publish(
    channel: string,
    data: unknown,
    from: string,
    targetUser: string | null,
  ): Promise<{ seq: number }>;
}

export interface WebSocketAdminState {
  hub: HubOperations;
  /** This process, as presence and the listings name it. */
  instanceId: string;
  /** Online users of a tenant; null without websocket.presence. */
  onlineUsers: ((tenant: string) => Promise<OnlineUser[]>) | null;
}

/** Admin requests are small JSON documents; anything bigger is refused unread. */
const MAX_BODY_BYTES = 64 * 1024;
const PREFIX = '/admin/websocket/';
const CONNECTION = /^connections\/([^/]{1,128})(\/send)?$/;
const BROADCAST = /^channels\/([^/]{1,256})\/broadcast$/;
const PRESENCE = /^presence\/([^/]{1,256})$/;
/** 1000: a normal close; the reason tells the client it was an operator's doing. */
const ADMIN_CLOSE = 1000;

/**
 * The hub's admin operations (seed 001's paths), on the admin port behind its token, which the
 * caller has checked. Listings and statistics are of this process only (each instance answers
 * for its own connections); a broadcast goes through the bus and reaches every instance.
 *
 *   GET    /admin/websocket/connections              this process's connections
 *   GET    /admin/websocket/connections/{id}         one, or 404
 *   DELETE /admin/websocket/connections/{id}         close it (1000) → 204, or 404
 *   POST   /admin/websocket/connections/{id}/send    {message|data} → 200, or 404
 *   GET    /admin/websocket/channels                 channels with subscriber counts
 *   POST   /admin/websocket/channels/{name}/broadcast {message|data, target_user?} → 202 {seq}
 *   GET    /admin/websocket/statistics               counters of this process
 *   GET    /admin/websocket/presence/{tenant}        online users of a tenant (all instances)
 *
 * Resolves false for a path it does not serve; throws GatewayError for the caller to answer.
 */
export async function handleWebSocketAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: WebSocketAdminState | null,
): Promise<boolean> {
  if (!path.startsWith(PREFIX)) return false;
  if (state === null) {
    throw new GatewayError('ROUTE_NOT_FOUND', 'the WebSocket hub is not enabled');
  }
  const rest = path.slice(PREFIX.length);
  const { hub } = state;
  const method = req.method ?? 'GET';

  if (rest === 'connections') {
    allow(method, 'GET');
    send(res, 200, { instance: state.instanceId, connections: hub.connections() });
    return true;
  }
  if (rest === 'channels') {
    allow(method, 'GET');
    send(res, 200, { instance: state.instanceId, channels: hub.channelStats() });
    return true;
  }
  if (rest === 'statistics') {
    allow(method, 'GET');
    send(res, 200, { instance: state.instanceId, ...hub.stats() });
    return true;
  }
  const connection = CONNECTION.exec(rest);
  if (connection !== null) {
    const id = decodeURIComponent(connection[1] as string);
    if (connection[2] !== undefined) {
      allow(method, 'POST');
      const { data } = payload(await readJson(req));
      if (!hub.sendTo(id, data)) throw noConnection(id);
      send(res, 200, { sent: true, id });
    } else if (method === 'GET') {
      const found = hub.connections().find((c) => c.id === id);
      if (found === undefined) throw noConnection(id);
      send(res, 200, found);
    } else {
      allow(method, 'DELETE');
      if (!hub.disconnect(id, ADMIN_CLOSE, 'closed by an administrator')) throw noConnection(id);
      res.writeHead(204).end();
    }
    return true;
  }
  const broadcast = BROADCAST.exec(rest);
  if (broadcast !== null) {
    allow(method, 'POST');
    const channel = decodeURIComponent(broadcast[1] as string);
    if (channel.includes('*')) {
      throw new GatewayError('BAD_REQUEST', `"${channel}" is a pattern; broadcast to a channel`);
    }
    const { data, targetUser } = payload(await readJson(req));
    let seq: number;
    try {
      ({ seq } = await hub.publish(channel, data, 'service:admin', targetUser));
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('SERVICE_UNAVAILABLE', 'the hub cannot take messages right now');
    }
    send(res, 202, { status: 'accepted', channel, seq });
    return true;
  }
  const presence = PRESENCE.exec(rest);
  if (presence !== null) {
    allow(method, 'GET');
    if (state.onlineUsers === null) {
      throw new GatewayError('ROUTE_NOT_FOUND', 'presence is not enabled (websocket.presence)');
    }
    const tenant = decodeURIComponent(presence[1] as string);
    send(res, 200, { tenant, users: await state.onlineUsers(tenant) });
    return true;
  }
  throw new GatewayError('ROUTE_NOT_FOUND', `the admin API has no ${path}`);
}

/** `{message}` as in seed 001's curl examples, or `{data}` as elsewhere in the hub. */
function payload(body: unknown): { data: unknown; targetUser: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('BAD_REQUEST', 'expected a JSON object');
  }
  const b = body as Record<string, unknown>;
  const data = 'data' in b ? b.data : b.message;
  if (data === undefined) throw new GatewayError('BAD_REQUEST', 'message (or data): required');
  const target = b.target_user;
  if (target !== undefined && (typeof target !== 'string' || target === '')) {
    throw new GatewayError('BAD_REQUEST', 'target_user: a non-empty string');
  }
  return { data, targetUser: target ?? null };
}

function allow(method: string, allowed: string): void {
  if (method !== allowed) {
    throw new GatewayError('METHOD_NOT_ALLOWED', 'method not allowed here', [['allow', allowed]]);
  }
}

function noConnection(id: string): GatewayError {
  return new GatewayError('ROUTE_NOT_FOUND', `no connection of this instance has id "${id}"`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `requests here are at most ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GatewayError('BAD_REQUEST', 'the body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
