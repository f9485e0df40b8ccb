// @ts-check
// The auth service behind the microservices gateway: sign-up and login issuing the HS256 JWTs
// the gateway verifies (roles ["user"], issuer auth-service, audience api-gateway). Passwords are
// kept as scrypt hashes only, in memory.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { startJsonService } from '../../lib/json-service.mjs';

/** What the gateway's auth.jwt checks of these tokens. */
export const ISSUER = 'auth-service';
export const AUDIENCE = 'api-gateway';

/**
 * POST /auth/register {username, password, email?} → 201 {id, username, email};
 * POST /auth/login {username, password} → 200 {token, token_type, expires_in}, else 401;
 * GET /health.
 * @param {string} secret The HS256 secret the gateway's auth.jwt.secret holds too.
 * @param {import('../../lib/json-service.mjs').ListenOptions} [listen]
 */
export function startAuthService(secret, listen = {}) {
  /** @type {Map<string, { id: string, username: string, email: string, salt: Buffer, hash: Buffer }>} */
  const users = new Map();
  const key = new TextEncoder().encode(secret);
  return startJsonService(async (req) => {
    if (req.method === 'GET' && req.path === '/health') {
      return { status: 200, body: { status: 'ok' } };
    }
    const body = /** @type {Record<string, unknown>} */ (req.body ?? {});
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (req.method === 'POST' && req.path === '/auth/register') {
      if (username === '' || password.length < 8) {
        return { status: 400, body: { error: 'username and a password of 8+ characters' } };
      }
      if (users.has(username)) return { status: 409, body: { error: 'username taken' } };
      const salt = randomBytes(16);
      const user = {
        id: `user-${randomUUID()}`,
        username,
        email: typeof body.email === 'string' ? body.email : '',
        salt,
        hash: scryptSync(password, salt, 32),
      };
      users.set(username, user);
      return { status: 201, body: { id: user.id, username, email: user.email } };
    }
    if (req.method === 'POST' && req.path === '/auth/login') {
      const user = users.get(username);
      if (user === undefined || !timingSafeEqual(scryptSync(password, user.salt, 32), user.hash)) {
        return { status: 401, body: { error: 'invalid credentials' } };
      }
      const token = await new SignJWT({ roles: ['user'], username })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      return { status: 200, body: { token, token_type: 'Bearer', expires_in: 3600 } };
    }
    return { status: 404, body: { error: 'not found' } };
  }, listen);
}
