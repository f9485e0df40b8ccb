import { GatewayError } from '../errors/gateway-error.js';
import type { OnlineUser } from '../websocket/presence/presence-tracker.js';
import type { MessageQueueStatus } from '../websocket/ingress/message-queue-status.js';
import {
  readJson,
  type AdminRequest,
  type AdminResource,
  type AdminResponse,
} from './admin-http.js';

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
  /** The message_queue consumer's state; null without one. */
  messageQueue: (() => MessageQueueStatus) | null;
}

/** 1000: a normal close; the reason tells the client it was an operator's doing. */
const ADMIN_CLOSE = 1000;

/**
 * The hub's admin operations (seed 001's paths). Listings and statistics are of this process
 * only (each instance answers for its own connections); a broadcast goes through the bus and
 * reaches every instance.
 *
 *   GET    /admin/websocket/connections              this process's connections
 *   GET    /admin/websocket/connections/{id}         one, or 404
 *   DELETE /admin/websocket/connections/{id}         close it (1000) → 204, or 404
 *   POST   /admin/websocket/connections/{id}/send    {message|data} → 200, or 404
 *   GET    /admin/websocket/channels                 channels with subscriber counts
 *   POST   /admin/websocket/channels/{name}/broadcast {message|data, target_user?} → 202 {seq}
 *   GET    /admin/websocket/statistics               counters of this process
 *   GET    /admin/websocket/presence/{tenant}        online users of a tenant (all instances)
 */
export const websocketResource: AdminResource = [
  ['GET', '/admin/websocket/connections', listConnections],
  ['GET', '/admin/websocket/connections/{id}', getConnection],
  ['DELETE', '/admin/websocket/connections/{id}', disconnect],
  ['POST', '/admin/websocket/connections/{id}/send', sendToConnection],
  ['GET', '/admin/websocket/channels', listChannels],
  ['POST', '/admin/websocket/channels/{name}/broadcast', broadcast],
  ['GET', '/admin/websocket/statistics', statistics],
  ['GET', '/admin/websocket/presence/{tenant}', presence],
];

function hubOf(request: AdminRequest): WebSocketAdminState {
  const state = request.ctx.websocket();
  if (state === null) throw new GatewayError('ROUTE_NOT_FOUND', 'the WebSocket hub is not enabled');
  return state;
}

function param(request: AdminRequest): string {
  return decodeURIComponent(request.params[0] as string);
}

async function listConnections(request: AdminRequest): Promise<AdminResponse> {
  const state = hubOf(request);
  return {
    status: 200,
    body: { instance: state.instanceId, connections: state.hub.connections() },
  };
}

async function getConnection(request: AdminRequest): Promise<AdminResponse> {
  const id = param(request);
  const found = hubOf(request)
    .hub.connections()
    .find((c) => c.id === id);
  if (found === undefined) throw noConnection(id);
  return { status: 200, body: found };
}

async function disconnect(request: AdminRequest): Promise<AdminResponse> {
  const id = param(request);
  if (!hubOf(request).hub.disconnect(id, ADMIN_CLOSE, 'closed by an administrator')) {
    throw noConnection(id);
  }
  return { status: 204 };
}

async function sendToConnection(request: AdminRequest): Promise<AdminResponse> {
  const id = param(request);
  const state = hubOf(request);
  const { data } = payload(await readJson(request.req));
  if (!state.hub.sendTo(id, data)) throw noConnection(id);
  return { status: 200, body: { sent: true, id } };
}

async function listChannels(request: AdminRequest): Promise<AdminResponse> {
  const state = hubOf(request);
  return { status: 200, body: { instance: state.instanceId, channels: state.hub.channelStats() } };
}

async function broadcast(request: AdminRequest): Promise<AdminResponse> {
  const state = hubOf(request);
  const channel = param(request);
  if (channel.includes('*')) {
    throw new GatewayError('BAD_REQUEST', `"${channel}" is a pattern; broadcast to a channel`);
  }
  const { data, targetUser } = payload(await readJson(request.req));
  let seq: number;
  try {
    ({ seq } = await state.hub.publish(channel, data, 'service:admin', targetUser));
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('SERVICE_UNAVAILABLE', 'the hub cannot take messages right now');
  }
  return { status: 202, body: { status: 'accepted', channel, seq } };
}

async function statistics(request: AdminRequest): Promise<AdminResponse> {
  const state = hubOf(request);
  const body: Record<string, unknown> = { instance: state.instanceId, ...state.hub.stats() };
  if (state.messageQueue !== null) body.message_queue = state.messageQueue();
  return { status: 200, body };
}

async function presence(request: AdminRequest): Promise<AdminResponse> {
  const state = hubOf(request);
  if (state.onlineUsers === null) {
    throw new GatewayError('ROUTE_NOT_FOUND', 'presence is not enabled (websocket.presence)');
  }
  const tenant = param(request);
  return { status: 200, body: { tenant, users: await state.onlineUsers(tenant) } };
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

function noConnection(id: string): GatewayError {
  return new GatewayError('ROUTE_NOT_FOUND', `no connection of this instance has id "${id}"`);
}
