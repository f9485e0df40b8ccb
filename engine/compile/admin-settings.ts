import type { GatewayConfig } from '../config/gateway-config.js';
import type { ApiKeyStore } from '../filters/auth/api-key-store.js';
import { apiKeyDigest } from '../filters/auth/hash-api-key.js';
import type { AdminSettings } from '../compile/route-table.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/**
 * The admin listener's settings. The token is kept only as its SHA-256 digest, whether the
 * config gives the token (from the environment) or its hash, so requests are compared digest
 * to digest in constant time. The config checks guarantee one port and one token source.
 */
export function compileAdminSettings(
  config: GatewayConfig,
  apiKeys: ApiKeyStore | null,
): AdminSettings | null {
  const admin = config.admin;
  if (admin === undefined) return null;
  return {
    port: config.server?.admin_port ?? admin.port ?? 0,
    bindAddress: admin.bind_address ?? CONFIG_DEFAULTS.admin.bind_address,
    tokenDigest:
      admin.token_hash !== undefined
        ? Buffer.from(admin.token_hash.slice('sha256:'.length), 'hex')
        : apiKeyDigest(admin.token ?? ''),
    apiKeys,
  };
}
