import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyProvider } from '../filters/auth/api-key-provider.js';
import { AuthFailure } from '../filters/auth/auth-failure.js';
import { readCredentials, type CredentialOptions } from '../filters/auth/credentials.js';
import type { JwtProvider } from '../filters/auth/jwt-provider.js';
import type { Exchange } from './exchange.js';
import type { Authenticate } from './route-guards.js';

export interface AuthenticateOptions {
  jwt: JwtProvider | null;
  apiKey: ApiKeyProvider | null;
  credentials: CredentialOptions;
  /** Told why a credential was refused (never the credential itself). */
  onRefused: (reason: string, ex: Exchange) => void;
  /** Told when a provider could not answer (the API key store is down). */
  onProviderError: (err: unknown, ex: Exchange) => void;
}

const MISSING = new AuthFailure('missing_credentials', 'this route requires authentication');

/**
 * A route's authentication: the credential the request carries, checked by the provider of its
 * kind among those the route accepts. Refusals are 401s with a Bearer challenge; a provider that
 * cannot answer (its store is down) gives a 503, so a Redis outage never reads as a bad key.
 */
export function createAuthenticate(o: AuthenticateOptions): Authenticate {
  return async function authenticateRequest(ex) {
    const credential = readCredentials((name) => ex.header(name), ex.query, o.credentials);
    if (credential === null) {
      o.onRefused(MISSING.reason, ex);
      return MISSING.toGatewayError();
    }
    const provider = credential.kind === 'jwt' ? o.jwt : o.apiKey;
    if (provider === null) {
      const refused = new AuthFailure(
        'unknown_key',
        `this route does not accept a ${credential.kind === 'jwt' ? 'JWT' : 'API key'}`,
      );
      o.onRefused(refused.reason, ex);
      return refused.toGatewayError();
    }
    try {
      return await provider.verify(credential.value);
    } catch (err) {
      if (err instanceof AuthFailure) {
        o.onRefused(err.reason, ex);
        return err.toGatewayError();
      }
      o.onProviderError(err, ex);
      return new GatewayError('SERVICE_UNAVAILABLE', 'credentials cannot be checked right now');
    }
  };
}
