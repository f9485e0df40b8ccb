import { AuthFailure } from '../filters/auth/auth-failure.js';
import type { JwtProvider } from '../filters/auth/jwt-provider.js';
import type { SessionCheck } from './session-check.js';

const NO_SESSION = new AuthFailure('revoked', 'Token is not bound to a session');
const ENDED = new AuthFailure('revoked', 'Session has ended');

/**
 * `auth.jwt.require_session`: a verified token must also name (`sid`) a session that is still
 * live, so that a logout or a deleted user stops its tokens before they expire. The verifier's
 * own cache is untouched: the session is asked about (through its short cache) on every request.
 */
export function requireSession(jwt: JwtProvider, sessions: SessionCheck): JwtProvider {
  return {
    /** Never known ahead: the session may have ended since the token was verified. */
    known() {
      return null;
    },
    async verify(token) {
      const identity = await jwt.verify(token);
      const sid = identity.claims?.sid;
      if (typeof sid !== 'string' || sid === '') throw NO_SESSION;
      if (!(await sessions.isLive(sid))) throw ENDED;
      return identity;
    },
  };
}
