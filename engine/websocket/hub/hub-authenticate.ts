import type { ApiKeyProvider } from '../../filters/auth/api-key-provider.js';
import { AuthFailure } from '../../filters/auth/auth-failure.js';
import { readCredentials, type CredentialOptions } from '../../filters/auth/credentials.js';
import type { Identity } from '../../data-plane/identity.js';
import type { JwtProvider } from '../../filters/auth/jwt-provider.js';
import type { HubAuthenticate } from './hub-settings.js';

export interface HubAuthOptions {
  jwt: JwtProvider | null;
  apiKey: ApiKeyProvider | null;
  apiKeyHeader: string;
  /** auth.jwt.query_parameter: browsers cannot set headers on an upgrade. */
  queryParam: string | undefined;
}

/**
 * The hub's credential checks with the configured providers: at the upgrade (header, API key
 * header or query parameter; none is not an error, the hub decides whether anonymous is fine)
 * and for the in-band `auth` message (a JWT or an API key, told apart by shape).
 */
export function createHubAuth(o: HubAuthOptions): {
  authenticate: HubAuthenticate;
  verifyToken: ((token: string) => Promise<Identity>) | null;
} {
  const options: CredentialOptions = {
    jwt: o.jwt !== null,
    apiKey: o.apiKey !== null,
    apiKeyHeader: o.apiKeyHeader,
    queryParam: o.queryParam,
  };
  const verify = (kind: 'jwt' | 'api_key', value: string): Promise<Identity> => {
    const provider = kind === 'jwt' ? o.jwt : o.apiKey;
    if (provider === null) {
      return Promise.reject(new AuthFailure('unknown_key', 'this credential is not accepted'));
    }
    return provider.verify(value);
  };
  const none = o.jwt === null && o.apiKey === null;
  return {
    authenticate: none
      ? () => Promise.resolve(null)
      : (header, query) => {
          const credential = readCredentials(header, query, options);
          return credential === null
            ? Promise.resolve(null)
            : verify(credential.kind, credential.value);
        },
    verifyToken: none
      ? null
      : (token) => {
          const bearer = `Bearer ${token}`;
          const credential = readCredentials(
            (name) => (name === 'authorization' ? bearer : undefined),
            '',
            { ...options, queryParam: undefined },
          );
          if (credential === null) {
            return Promise.reject(new AuthFailure('missing_credentials', 'the token is empty'));
          }
          return verify(credential.kind, credential.value);
        },
  };
}
