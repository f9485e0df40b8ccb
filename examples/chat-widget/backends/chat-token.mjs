// @ts-check
// The chat JWTs of the chat widget: the backend API signs them, the backend socket server
// verifies them, and the gateway never sees inside them.
import { jwtVerify, SignJWT } from 'jose';

/**
 * @typedef {object} ChatClaims What a chat JWT says about its holder.
 * @property {string} userId
 * @property {string} tenantId
 * @property {'anonymous' | 'admin'} role
 */

export const TOKEN_TTL_SECONDS = 3600;

/**
 * @param {Uint8Array} secret
 * @param {ChatClaims} claims
 */
export function signChatToken(secret, claims) {
  return new SignJWT({ tenantId: claims.tenantId, role: claims.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
    .sign(secret);
}

/**
 * The claims of a valid token, or null for anything else.
 * @param {Uint8Array} secret
 * @param {string} token
 * @returns {Promise<ChatClaims | null>}
 */
export async function verifyChatToken(secret, token) {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
    const role = payload.role === 'admin' ? 'admin' : 'anonymous';
    if (typeof payload.sub !== 'string' || typeof payload.tenantId !== 'string') return null;
    return { userId: payload.sub, tenantId: payload.tenantId, role };
  } catch {
    return null;
  }
}
