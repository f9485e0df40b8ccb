import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';

/** Shorter admin tokens are accepted with a warning: the admin API can reroute all traffic. */
const SHORT_TOKEN = 16;

/**
 * The admin API needs exactly one port (`server.admin_port`, seed 001's name, or `admin.port`)
 * and exactly one token source (`admin.token` from the environment, or `admin.token_hash`).
 * The token itself never appears in a message.
 */
export function checkAdmin(config: GatewayConfig): PathProblem[] {
  const admin = config.admin;
  const serverPort = config.server?.admin_port;
  if (admin === undefined) {
    if (serverPort === undefined) return [];
    return [
      error(
        ['server', 'admin_port'],
        'server.admin_port is set but there is no admin block with the token the admin API needs',
        'add admin: { token: "${ADMIN_TOKEN}" } (or token_hash), or remove server.admin_port',
      ),
    ];
  }
  const problems: PathProblem[] = [];
  if (serverPort !== undefined && admin.port !== undefined) {
    problems.push(
      error(
        ['admin', 'port'],
        `the admin port is given twice: server.admin_port (${serverPort}) and admin.port (${admin.port})`,
        'keep one of them',
      ),
    );
  } else if (serverPort === undefined && admin.port === undefined) {
    problems.push(
      error(
        ['admin'],
        'the admin API has no port',
        'set server.admin_port or admin.port; 0 picks a free port',
      ),
    );
  }
  if (admin.token !== undefined && admin.token_hash !== undefined) {
    problems.push(
      error(
        ['admin', 'token_hash'],
        'the admin token is given twice: admin.token and admin.token_hash',
        'keep one of them: token reads the token from the environment, token_hash holds its sha256',
      ),
    );
  } else if (admin.token === undefined && admin.token_hash === undefined) {
    problems.push(
      error(
        ['admin'],
        'the admin API has no token',
        'add token: "${ADMIN_TOKEN}" (from the environment) or token_hash: "sha256:…" (gatewayd hash-key)',
      ),
    );
  } else if (admin.token !== undefined && admin.token.trim() === '') {
    problems.push({
      ...error(
        ['admin', 'token'],
        'admin.token is empty: the admin API refuses to start without a token',
        'set the variable it reads to a long random value, e.g. ADMIN_TOKEN=$(openssl rand -hex 32)',
      ),
      atKey: false,
    });
  } else if (admin.token !== undefined && admin.token.length < SHORT_TOKEN) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.WEAK_SECRET,
      message: `admin.token is ${admin.token.length} characters long; use at least ${SHORT_TOKEN}`,
      hint: 'the admin API can change every route; generate a token with `openssl rand -hex 32`',
      path: ['admin', 'token'],
    });
  }
  return problems;
}

function error(path: ConfigPath, message: string, hint: string): PathProblem {
  return { severity: 'error', code: ConfigCode.ADMIN, message, hint, path, atKey: true };
}
