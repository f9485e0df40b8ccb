import type { Exchange } from '../../data-plane/exchange.js';
import type { RequestStep, Verdict } from '../../data-plane/filter-chain.js';
import type { Identity } from '../../data-plane/identity.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ApiKeyProvider } from './api-key-provider.js';
import { AuthFailure } from './auth-failure.js';
import { readCredentialsWith, type CredentialOptions } from './credentials.js';
import type { JwtProvider } from './jwt-provider.js';

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
const UNAVAILABLE = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'credentials cannot be checked right now',
);

/**
 * A route's authentication: the credential the request carries, checked by the provider of its
 * kind among those the route accepts. Refusals are 401s with a Bearer challenge; a provider that
 * cannot answer (its store is down) gives a 503, so a Redis outage never reads as a bad key.
 * A credential the provider already verified (a cached token, a static key) is decided at once.
 */
export function createAuthenticate(o: AuthenticateOptions): RequestStep {
  const missing = MISSING.toGatewayError();
  const refusals = new Map<AuthFailure, GatewayError>();
  /** Refusals with a fixed message are built once; a stack trace per refusal buys nothing. */
  function refusal(failure: AuthFailure): GatewayError {
    let err = refusals.get(failure);
    if (err === undefined) {
      err = failure.toGatewayError();
      if (refusals.size < 64) refusals.set(failure, err);
    }
    return err;
  }
  async function verifyLater(
    ex: Exchange,
    provider: JwtProvider | ApiKeyProvider,
    value: string,
  ): Promise<Verdict> {
    let identity: Identity;
    try {
      identity = await provider.verify(value);
    } catch (err) {
      if (err instanceof AuthFailure) {
        o.onRefused(err.reason, ex);
        return refusal(err);
      }
      o.onProviderError(err, ex);
      return UNAVAILABLE;
    }
    ex.identity = identity;
    return null;
  }

  /** The exchange being read now: the header reader is made once per route, not per request. */
  let reading: Exchange | null = null;
  const headerOfRequest = (name: string) => (reading as Exchange).header(name);

  return function authenticate(ex) {
    reading = ex;
    const credential = readCredentialsWith(
      ex.authorization,
      headerOfRequest,
      ex.query,
      o.credentials,
    );
    reading = null;
    if (credential === null) {
      o.onRefused(MISSING.reason, ex);
      return missing;
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
    const known = provider.known(credential.value);
    if (known !== null) {
      ex.identity = known;
      return null;
    }
    return verifyLater(ex, provider, credential.value);
  };
}
