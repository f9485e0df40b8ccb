import { ConfigCode } from '../errors/config-codes.js';
import { checkMessageQueue } from './check-message-queue.js';
import { compileChannelPattern, isChannelPattern } from './hub/channel-pattern.js';
import { RESERVED_MESSAGE_TYPES } from './hub/hub-protocol.js';
import { TYPE_DATA_CLIENT_TYPES } from './hub/type-data-message-format.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import { suggestionHint } from '../config/did-you-mean.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { parseSize } from '../config/units.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** uWS's cap on one message for every WebSocket route (see socket-behavior.ts). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Checks of the `websocket` block and `handler: websocket` routes that the schema cannot express:
 * hub routes without a hub, message routes to unknown upstreams, service events mapped to
 * channels that are not configured, contradictory channel ACLs, ingress without credentials.
 */
export function checkWebSocket(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const ws = config.websocket;
  const hubOn = ws !== undefined && ws.enabled !== false;
  config.routes.forEach((route, i) => {
    if (route.handler === 'websocket_health' && !hubOn) {
      problems.push({
        ...error(['routes', i, 'handler']),
        message: `route "${route.path}" answers the WebSocket hub's health, but ${ws === undefined ? 'there is no websocket block' : 'websocket.enabled is false'}`,
        hint: 'add a websocket: block (see docs/guides/websocket-hub.md), or remove the route',
      });
    }
    if (route.message_format !== undefined && route.handler !== 'websocket') {
      problems.push({
        severity: 'warning',
        code: ConfigCode.IGNORED_KEY,
        path: ['routes', i, 'message_format'],
        message: `route "${route.path}" does not serve the WebSocket hub, so message_format has no effect`,
        hint: 'remove it, or add handler: websocket',
        atKey: true,
      });
    }
    if (route.handler !== 'websocket') return;
    if (!hubOn) {
      problems.push({
        ...error(['routes', i, 'handler']),
        message: `route "${route.path}" serves the WebSocket hub, but ${ws === undefined ? 'there is no websocket block' : 'websocket.enabled is false'}`,
        hint: 'add a websocket: block (see docs/guides/websocket-hub.md), or remove handler: websocket',
      });
    }
    if (route.methods !== undefined && !route.methods.includes('GET')) {
      problems.push({
        ...error(['routes', i, 'methods']),
        message: `route "${route.path}" serves the WebSocket hub but not GET, the method of every upgrade`,
        hint: 'use methods: [GET], or leave methods out',
      });
    }
  });
  if (ws === undefined) return problems;

  const maxSize = ws.server?.max_message_size;
  const maxBytes = typeof maxSize === 'string' ? parseSize(maxSize) : maxSize;
  if (maxBytes !== undefined && maxBytes > MAX_MESSAGE_BYTES) {
    problems.push({
      ...error(['websocket', 'server', 'max_message_size']),
      code: ConfigCode.SIZE,
      message: `max_message_size ${String(maxSize)} is above the 16mb a WebSocket message may have`,
      hint: 'use at most 16mb; larger payloads belong in HTTP requests',
    });
  }

  const channels = ws.channels ?? {};
  for (const [name, channel] of Object.entries(channels)) {
    const at = ['websocket', 'channels', name];
    if (channel.require_auth === false && channel.user_specific === true) {
      problems.push({
        ...error([...at, 'user_specific']),
        message: `channel "${name}" is user_specific but has require_auth: false; an anonymous connection has no user to deliver to`,
        hint: 'remove require_auth: false',
        atKey: true,
      });
    }
    if (channel.require_auth === false && (channel.required_roles?.length ?? 0) > 0) {
      problems.push({
        ...error([...at, 'required_roles']),
        message: `channel "${name}" requires roles but has require_auth: false`,
        hint: 'remove require_auth: false: required_roles implies it',
        atKey: true,
      });
    }
  }

  const upstreams = Object.keys(config.upstreams ?? {});
  for (const [type, route] of Object.entries(ws.message_routes ?? {})) {
    const at = ['websocket', 'message_routes', type];
    if (RESERVED_MESSAGE_TYPES.has(type) || TYPE_DATA_CLIENT_TYPES.has(type)) {
      problems.push({
        ...error(at),
        message: `message type "${type}" is part of the hub protocol and cannot be routed`,
        hint: `pick another name; reserved: ${[...RESERVED_MESSAGE_TYPES, ...TYPE_DATA_CLIENT_TYPES].join(', ')}`,
        atKey: true,
      });
    }
    if (!upstreams.includes(route.upstream)) {
      problems.push({
        ...error([...at, 'upstream']),
        code: ConfigCode.UNDEFINED_UPSTREAM,
        message: `message route "${type}" names upstream "${route.upstream}", which is not defined under upstreams`,
        hint:
          upstreams.length > 0
            ? suggestionHint(route.upstream, upstreams, 'defined upstreams')
            : 'no upstreams are defined; add this one under upstreams:',
      });
    }
  }

  const service = ws.routing?.service_events;
  if (service?.enabled !== false) {
    const known = configuredChannels(channels);
    for (const [event, channel] of Object.entries(service?.mappings ?? {})) {
      const at = ['websocket', 'routing', 'service_events', 'mappings', event];
      if (isChannelPattern(channel)) {
        problems.push({
          ...error(at),
          code: ConfigCode.UNDEFINED_CHANNEL,
          message: `service event "${event}" is mapped to "${channel}", a pattern; events go to one concrete channel`,
          hint: 'name one channel, e.g. instance.status.changed',
        });
      } else if (!known(channel)) {
        problems.push({
          ...error(at),
          code: ConfigCode.UNDEFINED_CHANNEL,
          message: `service event "${event}" is mapped to channel "${channel}", which is not configured under websocket.channels`,
          hint: suggestionHint(
            channel,
            Object.keys(channels).filter((n) => n !== 'default'),
            'configured channels',
          ),
        });
      }
    }
  }

  const webhook = ws.integration?.webhook;
  if (webhook?.enabled === true && webhook.auth_token === undefined) {
    problems.push({
      ...error(['websocket', 'integration', 'webhook']),
      code: ConfigCode.MISSING_KEY,
      message: 'the webhook is enabled without an auth_token: anyone could push to every channel',
      hint: 'add auth_token: ${WEBHOOK_AUTH_TOKEN}',
      atKey: true,
    });
  }
  const pubsub = ws.integration?.redis_pubsub;
  if (pubsub?.enabled === true && pubsub.url === undefined && config.redis === undefined) {
    problems.push({
      ...error(['websocket', 'integration', 'redis_pubsub']),
      code: ConfigCode.REDIS_REQUIRED,
      message: 'redis_pubsub is enabled without a url, and there is no top-level redis block',
      hint: 'add url: redis://host:6379 here, or a top-level redis: {url: ...}',
      atKey: true,
    });
  }
  if (
    (config.server?.workers ?? CONFIG_DEFAULTS.server.workers) > 1 &&
    config.redis === undefined &&
    hubOn
  ) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.PER_PROCESS_LIMIT,
      message:
        'each worker process runs its own WebSocket hub: without redis, a message reaches only the subscribers connected to the worker it was published on',
      hint: 'add redis: {url: ...} so that the workers share channels, or use workers: 1',
      path: ['server', 'workers'],
    });
  }
  problems.push(...checkMessageQueue(config));
  const persistence = ws.routing?.persistence;
  if (
    persistence?.enabled !== false &&
    persistence?.storage === 'redis' &&
    config.redis === undefined
  ) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.LOCAL_HISTORY,
      message:
        'persistence.storage is redis but there is no top-level redis block; history is kept in memory on each instance',
      hint: 'add redis: {url: redis://host:6379} to share history between instances',
      path: ['websocket', 'routing', 'persistence', 'storage'],
    });
  }
  return problems;
}

/** A concrete channel is configured when it has its own entry or matches a pattern entry. */
function configuredChannels(channels: Record<string, unknown>): (name: string) => boolean {
  const names = Object.keys(channels).filter((n) => n !== 'default');
  const patterns = names.filter(isChannelPattern).map(compileChannelPattern);
  return (name) => names.includes(name) || patterns.some((matches) => matches(name));
}

function error(path: ConfigPath): Pick<PathProblem, 'severity' | 'code' | 'path'> {
  return { severity: 'error', code: ConfigCode.WEBSOCKET, path };
}
