import type { ApiKeyProvider } from '../../filters/auth/api-key-provider.js';
import { AuthFailure } from '../../filters/auth/auth-failure.js';
import {
  readCredentials,
  type Credential,
  type CredentialOptions,
} from '../../filters/auth/credentials.js';
import type { Identity } from '../../data-plane/identity.js';
import type { JwtProvider } from '../../filters/auth/jwt-provider.js';
import type { HubAuth } from './hub-settings.js';

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
export function createHubAuth(o: HubAuthOptions): HubAuth {
  const options: CredentialOptions = {
    jwt: o.jwt !== null,
    apiKey: o.apiKey !== null,
    apiKeyHeader: o.apiKeyHeader,
    queryParam: o.queryParam,
  };
  const verifyCredential = ({ kind, value }: Credential): Promise<Identity> => {
    const provider = kind === 'jwt' ? o.jwt : o.apiKey;
    if (provider === null) {
      return Promise.reject(new AuthFailure('unknown_key', 'this credential is not accepted'));
    }
    return provider.verify(value);
  };
  const readCredential = (
    header: (lowerCaseName: string) => string | undefined,
    query: string,
  ): Credential | null => readCredentials(header, query, options);
  const tokenCredential = (token: string): Credential | null => {
    const bearer = `Bearer ${token}`;
    return readCredentials((name) => (name === 'authorization' ? bearer : undefined), '', {
      ...options,
      queryParam: undefined,
    });
  };
  const none = o.jwt === null && o.apiKey === null;
  return {
    authenticate: none
      ? () => Promise.resolve(null)
      : (header, query) => {
          const credential = readCredential(header, query);
          return credential === null ? Promise.resolve(null) : verifyCredential(credential);
        },
    verifyToken: none
      ? null
      : (token) => {
          const credential = tokenCredential(token);
          if (credential === null) {
            return Promise.reject(new AuthFailure('missing_credentials', 'the token is empty'));
          }
          return verifyCredential(credential);
        },
    readCredential,
    tokenCredential,
    verifyCredential,
  };
}
