import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import { formatConfigPath } from './format-config-path.js';
import type { ChannelConfig, GatewayConfig } from './gateway-config.js';

type Mapping = Record<string, unknown>;

/**
 * Rewrites the seed microservices guide's spellings (`websocket.security`, a channel's
 * `access_control` and `rate_limiting`) onto the engine's own keys, in place, so that the checks
 * and the compiler read one key each. The config has passed the schema. An alias and its key
 * both written is an error at the alias, even when they agree: one of them would be edited
 * alone later and silently lose.
 */
export function resolveAliases(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const ws = config.websocket;
  if (ws === undefined) return problems;
  const security = ws.security;
  if (security !== undefined) {
    delete ws.security;
    const server = (ws.server ??= {}) as Mapping;
    const at = ['websocket', 'security'];
    const move = (alias: string, key: string, value: unknown): void => {
      if (value === undefined) return;
      if (server[key] !== undefined) {
        problems.push(both([...at, alias], ['websocket', 'server', key]));
        return;
      }
      server[key] = value;
    };
    move('require_auth', 'require_auth', security.require_auth);
    move(
      'validate_token_per_message',
      'validate_token_per_message',
      security.validate_token_per_message,
    );
    move('rate_limiting', 'rate_limit', security.rate_limiting);
    const refresh = security.token_refresh;
    if (refresh !== undefined) {
      const grace = refresh.enabled ? (refresh.grace_period ?? TOKEN_REFRESH_GRACE) : '0s';
      move('token_refresh', 'auth_grace_period', grace);
    }
  }
  for (const [name, channel] of Object.entries(ws.channels ?? {})) {
    problems.push(...resolveChannel(channel, ['websocket', 'channels', name]));
  }
  return problems;
}

/** websocket.security.token_refresh.grace_period's default, as the schema gives it. */
const TOKEN_REFRESH_GRACE = '300s';

function resolveChannel(channel: ChannelConfig, at: ConfigPath): PathProblem[] {
  const problems: PathProblem[] = [];
  const access = channel.access_control;
  if (access !== undefined) {
    delete channel.access_control;
    if (channel.user_specific !== undefined) {
      problems.push(both([...at, 'access_control'], [...at, 'user_specific']));
    } else {
      channel.user_specific = access === 'user_specific';
    }
  }
  const rate = channel.rate_limiting;
  if (rate !== undefined) {
    delete channel.rate_limiting;
    if (channel.rate_limit !== undefined) {
      problems.push(both([...at, 'rate_limiting'], [...at, 'rate_limit']));
    } else {
      channel.rate_limit = rate;
    }
  }
  return problems;
}

function both(alias: ConfigPath, key: ConfigPath): PathProblem {
  return {
    severity: 'error',
    code: ConfigCode.ALIAS_CONFLICT,
    message: `${formatConfigPath(alias)} is another name for ${formatConfigPath(key)}, which is also set`,
    hint: `keep one of them`,
    path: alias,
    atKey: true,
  };
}
