import type { ApiKeyInfo, ApiKeyStore } from './api-key-store.js';
import { AuthFailure } from './auth-failure.js';
import type { Identity } from '../../data-plane/identity.js';
import { compileStaticApiKeys, type StaticApiKey } from './static-api-keys.js';

export interface ApiKeyProviderSettings {
  staticKeys?: readonly StaticApiKey[];
  /** Managed keys (Redis or memory); null when only static keys are configured. */
  store?: ApiKeyStore | null;
  /** The request header carrying the key. Default `x-api-key`. */
  header?: string;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

export interface ApiKeyProvider {
  /** Lower-case header name, for the credential reader. */
  readonly header: string;
  /**
   * The key's identity (method 'api_key'): subject is the static key's name, the managed key's
   * owner (a key an identity user made acts as that user) or else its id; a managed key's id is
   * also its clientId. Rejects with an AuthFailure ('unknown_key', 'expired', 'revoked'), or with the store's
   * own error when the store is unreachable.
   */
  verify(key: string): Promise<Identity>;
  /** A static key's identity while it is valid, decided without I/O; else null. */
  known(key: string): Identity | null;
}

const MESSAGES = {
  unknown_key: 'Invalid API key',
  expired: 'API key has expired',
  revoked: 'API key has been revoked',
} as const;

/** Static keys first (no I/O), then the managed store. */
export function createApiKeyProvider(settings: ApiKeyProviderSettings): ApiKeyProvider {
  const matchStatic = compileStaticApiKeys(settings.staticKeys ?? []);
  const store = settings.store ?? null;
  const now = settings.now ?? Date.now;

  return {
    header: (settings.header ?? 'x-api-key').toLowerCase(),
    known(key) {
      const identity = matchStatic(key);
      if (identity === null) return null;
      return identity.expiresAt === undefined || identity.expiresAt > now() ? identity : null;
    },
    async verify(key) {
      const identity = matchStatic(key);
      if (identity !== null) {
        if (identity.expiresAt !== undefined && identity.expiresAt <= now()) {
          throw new AuthFailure('expired', MESSAGES.expired);
        }
        return identity;
      }
      if (store === null) throw new AuthFailure('unknown_key', MESSAGES.unknown_key);
      const found = await store.lookup(key);
      if (!found.ok) throw new AuthFailure(found.reason, MESSAGES[found.reason]);
      return managedIdentity(found.info);
    },
  };
}

function managedIdentity(info: ApiKeyInfo): Identity {
  return Object.freeze({
    subject: info.owner ?? info.id,
    clientId: info.id,
    roles: Object.freeze([...info.roles]),
    permissions: Object.freeze([]),
    tier: info.tier,
    method: 'api_key',
    expiresAt: info.expiresAt,
  });
}
