import { randomBytes } from 'node:crypto';
import type { ClientAddress } from '../data-plane/client-address.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { Exchange } from '../data-plane/exchange.js';
import { sendJson } from '../data-plane/generated-json.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyStore } from '../filters/auth/api-key-store.js';
import { AuthFailure } from '../filters/auth/auth-failure.js';
import { readCredentialsWith } from '../filters/auth/credentials.js';
import type { JwtProvider } from '../filters/auth/jwt-provider.js';
import type { Logger } from '../observability/logger.js';
import type { IdentityEndpointName } from './identity-endpoints.js';
import type { IdentityModule } from './identity-module.js';
import { readJsonBody } from './json-exchange.js';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.js';
import {
  email,
  MAX_PASSWORD_LENGTH,
  newPassword,
  objectBody,
  optionalString,
  requiredString,
  role,
  sessionData,
  username,
} from './request-fields.js';
import { publicSession, type SessionRecord } from './session-store.js';
import type { SystemView } from './system-view.js';
import { createUserApiKeys } from './user-api-keys.js';
import { publicUser, type UserRecord } from './user-store.js';

export interface IdentityHandlerSettings {
  module: IdentityModule;
  /** The auth.jwt verifier: identity endpoints accept exactly the tokens the gateway accepts. */
  jwt: JwtProvider;
  /** auth.api_keys.store, for identity.api_keys; null without one. */
  apiKeyStore: ApiKeyStore | null;
  clientAddress: ClientAddress;
  requestTimeoutMs: number;
  logger: Logger;
  /** The gateway around the endpoints, for the connection and system endpoints. */
  system: SystemView;
  now?: () => number;
}

interface Reply {
  status: number;
  body: unknown;
}

interface Caller {
  user: UserRecord;
  session: SessionRecord;
  admin: boolean;
}

type Work = (ex: Exchange, params: readonly string[], body: unknown) => Promise<Reply>;

const CREDENTIALS = { jwt: true, apiKey: false, apiKeyHeader: 'x-api-key' };
const MISSING = new AuthFailure('missing_credentials', 'this endpoint requires a token');
const NOT_OURS = new AuthFailure('revoked', 'Token is not bound to a session');
const ENDED = new AuthFailure('revoked', 'Session has ended');
/** One message for an unknown user and a wrong password: a login must not tell them apart. */
const BAD_LOGIN = new GatewayError('UNAUTHORIZED', 'invalid username or password');
const NOT_ADMIN = new GatewayError('FORBIDDEN', 'this endpoint requires an admin role');
const UNAVAILABLE = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'the identity store cannot be reached right now',
);
const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;
const NO_KEYS = new GatewayError('ROUTE_NOT_FOUND', 'API keys are not enabled');

/**
 * The identity endpoints. Each reads its (small, JSON) body first, since uWS hands the body over
 * only during the request callback, then does its work and answers JSON. Passwords and hashes
 * never reach a response, a log line or an error message.
 */
export function createIdentityHandlers(
  s: IdentityHandlerSettings,
): Record<IdentityEndpointName, RouteHandler> {
  const m = s.module;
  const now = s.now ?? Date.now;
  // Unknown usernames are checked against this, so that they cost as much as a wrong password.
  let dummyHash: Promise<string> | null = null;
  const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex'), m.scrypt));
  // The config check refuses identity.api_keys without a store, so both are set or neither.
  const keys =
    m.apiKeys === null || s.apiKeyStore === null
      ? null
      : createUserApiKeys(s.apiKeyStore, m.apiKeys, now);
  const userKeys = () => {
    if (keys === null) throw NO_KEYS;
    return keys;
  };

  function endpoint(name: IdentityEndpointName, work: Work): RouteHandler {
    return function identityEndpoint(ex, params) {
      readJsonBody(ex, s.requestTimeoutMs)
        .then((body) => work(ex, params, body))
        .then((reply) => sendJson(ex, reply.status, reply.body))
        .catch((err: unknown) => {
          if (err instanceof GatewayError) {
            sendError(ex, err);
            return;
          }
          s.logger.error(
            { err, endpoint: name, request_id: ex.requestId },
            'identity endpoint failed',
          );
          sendError(ex, UNAVAILABLE);
        });
    };
  }

  async function authenticate(ex: Exchange): Promise<Caller> {
    const credential = readCredentialsWith(ex.authorization, (n) => ex.header(n), '', CREDENTIALS);
    if (credential === null) throw MISSING.toGatewayError();
    let sid: unknown;
    let subject: string;
    try {
      const identity = await s.jwt.verify(credential.value);
      sid = identity.claims?.sid;
      subject = identity.subject;
    } catch (err) {
      if (err instanceof AuthFailure) throw err.toGatewayError();
      throw err;
    }
    if (typeof sid !== 'string' || !SESSION_ID.test(sid)) throw NOT_OURS.toGatewayError();
    // Asked of the store every time (no cache): these endpoints change sessions and users.
    const session = await m.sessions.get(sid);
    if (session === null || session.username !== subject) throw ENDED.toGatewayError();
    const user = await m.users.get(subject);
    if (user === null) throw ENDED.toGatewayError();
    m.activity.seen(session);
    return { user, session, admin: isAdmin(user) };
  }

  async function admin(ex: Exchange): Promise<Caller> {
    const caller = await authenticate(ex);
    if (!caller.admin) throw NOT_ADMIN;
    return caller;
  }

  function isAdmin(user: UserRecord): boolean {
    return user.roles.some((r) => m.adminRoles.includes(r));
  }

  function view(user: UserRecord) {
    return publicUser(user, m.adminRoles);
  }

  function newSession(user: string, extra: Partial<SessionRecord> = {}): SessionRecord {
    const at = now();
    return {
      id: randomBytes(18).toString('base64url'),
      username: user,
      createdAt: at,
      expiresAt: at + m.sessionTtlMs,
      idleUntil: m.activity.idleUntil(at),
      data: {},
      ...extra,
    };
  }

  async function tokenReply(user: UserRecord, session: SessionRecord): Promise<Reply> {
    const { token, expiresIn } = await m.issue(user, session);
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'bearer',
        expires_in: expiresIn,
        session_id: session.id,
        user: view(user),
      },
    };
  }

  /** A session the caller may see: their own, or any for an admin; else 404 (not 403: no hint it exists). */
  async function visibleSession(caller: Caller, id: string | undefined): Promise<SessionRecord> {
    const session = id !== undefined && SESSION_ID.test(id) ? await m.sessions.get(id) : null;
    if (session === null || (session.username !== caller.user.username && !caller.admin)) {
      throw new GatewayError('NOT_FOUND', 'no such session');
    }
    return session;
  }

  async function existingUser(name: string): Promise<UserRecord> {
    const user = await m.users.get(name);
    if (user === null) throw new GatewayError('NOT_FOUND', `no user "${name}"`);
    return user;
  }

  async function endSession(id: string): Promise<boolean> {
    const ended = await m.sessions.delete(id);
    m.sessionCheck.forget(id);
    return ended;
  }

  async function changeRole(raw: unknown, grant: boolean): Promise<Reply> {
    const body = objectBody(raw);
    const name = username(requiredString(body, 'username', 64));
    const r = role(optionalString(body, 'role', 64), m.adminRoles[0] ?? 'admin');
    const user = await existingUser(name);
    let roles = user.roles.filter((x) => x !== r);
    if (grant) roles = [...roles, r];
    // Seed 000's demote turns an admin back into a user: never leave someone with no role.
    else if (roles.length === 0) roles = m.defaultRoles.filter((x) => x !== r);
    const updated = { ...user, roles, updatedAt: now() };
    await m.users.put(updated);
    const message = `${grant ? 'granted' : 'removed'} role "${r}"`;
    if (grant || keys === null) return { status: 200, body: { message, user: view(updated) } };
    // A key carries the roles its owner had: one that outlived the role would keep it.
    const revoked = await keys.revokeFor(name, r);
    return { status: 200, body: { message, user: view(updated), keys_revoked: revoked } };
  }

  return {
    register: endpoint('register', async (_ex, _params, raw) => {
      const body = objectBody(raw);
      const name = username(requiredString(body, 'username', 64));
      const password = newPassword(body, m.minPasswordLength);
      const at = now();
      const user: UserRecord = {
        username: name,
        passwordHash: await hashPassword(password, m.scrypt),
        roles: [...m.defaultRoles],
        tier: m.defaultTier,
        email: email(body),
        createdAt: at,
        updatedAt: at,
      };
      if (!(await m.users.create(user))) {
        throw new GatewayError('CONFLICT', `the username "${name}" is taken`);
      }
      return { status: 201, body: { message: 'user registered', user: view(user) } };
    }),

    login: endpoint('login', async (ex, _params, raw) => {
      const body = objectBody(raw);
      // Seed 004 logs in with `email`: its users are bootstrapped with the address as username.
      const given = optionalString(body, 'username', 256) ?? requiredString(body, 'email', 256);
      const password = body.password;
      if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) {
        throw new GatewayError('BAD_REQUEST', 'password is required');
      }
      await m.ready;
      const name = given.toLowerCase();
      const address = s.clientAddress(ex);
      const admission = await m.limiter.admit(name, address);
      if (!admission.ok) {
        throw new GatewayError('RATE_LIMITED', 'too many login attempts; try again later', [
          ['retry-after', String(admission.retryAfterSeconds)],
        ]);
      }
      const user = await m.users.get(name);
      const matches = await verifyPassword(password, user?.passwordHash ?? (await dummy()));
      if (user === null || !matches) throw BAD_LOGIN;
      await m.limiter.succeeded(name, address);
      let current = user;
      if (needsRehash(user.passwordHash, m.scrypt)) {
        current = {
          ...user,
          passwordHash: await hashPassword(password, m.scrypt),
          updatedAt: now(),
        };
        await m.users.put(current);
      }
      const session = newSession(current.username);
      await m.sessions.create(session);
      return tokenReply(current, session);
    }),

    refresh: endpoint('refresh', async (ex) => {
      const caller = await authenticate(ex);
      let session = caller.session;
      if (m.slidingRefresh) {
        const at = now();
        session = {
          ...session,
          expiresAt: at + m.sessionTtlMs,
          idleUntil: m.activity.idleUntil(at),
        };
        if (!(await m.sessions.update(session))) throw ENDED.toGatewayError();
      }
      // The user is read again: a promotion or demotion shows in the new token.
      return tokenReply(caller.user, session);
    }),

    logout: endpoint('logout', async (ex) => {
      const caller = await authenticate(ex);
      await endSession(caller.session.id);
      return { status: 200, body: { message: 'logged out', session_id: caller.session.id } };
    }),

    me: endpoint('me', meReply),
    verify: endpoint('verify', meReply),

    session_create: endpoint('session_create', async (ex, _params, raw) => {
      const caller = await authenticate(ex);
      const body = objectBody(raw);
      const userId = optionalString(body, 'user_id', 64);
      const target = userId === undefined ? caller.user.username : username(userId, 'user_id');
      if (target !== caller.user.username) {
        if (!caller.admin)
          throw new GatewayError('FORBIDDEN', 'sessions of other users need an admin role');
        await existingUser(target);
      }
      const session = newSession(target, {
        chatId: optionalString(body, 'chat_id', 128),
        data: sessionData(body) ?? {},
      });
      await m.sessions.create(session);
      return { status: 201, body: publicSession(session) };
    }),

    session_get: endpoint('session_get', async (ex, params) => {
      const caller = await authenticate(ex);
      return { status: 200, body: publicSession(await visibleSession(caller, params[0])) };
    }),

    session_update: endpoint('session_update', async (ex, params, raw) => {
      const caller = await authenticate(ex);
      const body = objectBody(raw);
      const session = await visibleSession(caller, params[0]);
      const updated: SessionRecord = {
        ...session,
        chatId: optionalString(body, 'chat_id', 128) ?? session.chatId,
        data: { ...session.data, ...(sessionData(body) ?? {}) },
      };
      if (!(await m.sessions.update(updated))) {
        throw new GatewayError('NOT_FOUND', 'no such session');
      }
      return { status: 200, body: publicSession(updated) };
    }),

    session_delete: endpoint('session_delete', async (ex, params) => {
      const caller = await authenticate(ex);
      const session = await visibleSession(caller, params[0]);
      await endSession(session.id);
      return { status: 200, body: { message: 'session ended', session_id: session.id } };
    }),

    admin_sessions: endpoint('admin_sessions', async (ex) => {
      await admin(ex);
      const sessions = (await m.sessions.list()).sort((a, b) => a.createdAt - b.createdAt);
      return {
        status: 200,
        body: { sessions: sessions.map(publicSession), total: sessions.length },
      };
    }),

    admin_session_delete: endpoint('admin_session_delete', async (ex, params) => {
      await admin(ex);
      const id = params[0] ?? '';
      if (!SESSION_ID.test(id) || !(await endSession(id))) {
        throw new GatewayError('NOT_FOUND', 'no such session');
      }
      return { status: 200, body: { message: 'session ended', session_id: id } };
    }),

    admin_user_delete: endpoint('admin_user_delete', async (ex, params) => {
      await admin(ex);
      const name = username(params[0] ?? '');
      // Keys first: if the store fails after, a retry still finds the user and ends the rest.
      const revoked = keys === null ? 0 : await keys.revokeFor(name);
      if (!(await m.users.delete(name))) throw new GatewayError('NOT_FOUND', `no user "${name}"`);
      const ended = await m.sessions.deleteForUser(name);
      for (const id of ended) m.sessionCheck.forget(id);
      return {
        status: 200,
        body: {
          message: `user "${name}" deleted`,
          sessions_ended: ended.length,
          ...(keys === null ? {} : { keys_revoked: revoked }),
        },
      };
    }),

    admin_users: endpoint('admin_users', async (ex) => {
      await admin(ex);
      const users = (await m.users.list()).sort((a, b) => a.createdAt - b.createdAt);
      return { status: 200, body: { users: users.map(view), total: users.length } };
    }),

    admin_promote: endpoint('admin_promote', async (ex, _params, raw) => {
      await admin(ex);
      return changeRole(raw, true);
    }),

    admin_demote: endpoint('admin_demote', async (ex, _params, raw) => {
      await admin(ex);
      return changeRole(raw, false);
    }),

    user_connection: endpoint('user_connection', async (ex, params) => {
      const caller = await authenticate(ex);
      const target = params[0] as string;
      if (target !== caller.user.username && !caller.admin) {
        throw new GatewayError('FORBIDDEN', "another user's connections need an admin role");
      }
      const user = target === caller.user.username ? caller.user : await existingUser(target);
      const connections = s.system.connectionsOf(user.username);
      const shown = view(user);
      return {
        status: 200,
        body: {
          user_id: user.username,
          role: shown.role,
          roles: user.roles,
          connected: connections.length > 0,
          connections,
        },
      };
    }),

    system_stats: endpoint('system_stats', async (ex) => {
      await admin(ex);
      const [users, sessions] = await Promise.all([m.users.list(), m.sessions.list()]);
      return {
        status: 200,
        body: {
          ...s.system.stats(),
          identity: { total_users: users.length, active_sessions: sessions.length },
          timestamp: new Date(now()).toISOString(),
        },
      };
    }),

    system_redis_info: endpoint('system_redis_info', async (ex) => {
      await admin(ex);
      const info = await s.system.redisInfo();
      if (info === null) {
        throw new GatewayError('NOT_FOUND', 'no redis is configured (the top-level redis block)');
      }
      return { status: 200, body: info };
    }),

    admin_stats: endpoint('admin_stats', async (ex) => {
      await admin(ex);
      const [users, sessions] = await Promise.all([m.users.list(), m.sessions.list()]);
      const byRole: Record<string, number> = {};
      const byTier: Record<string, number> = {};
      for (const u of users) {
        for (const r of u.roles) byRole[r] = (byRole[r] ?? 0) + 1;
        const tier = u.tier ?? 'none';
        byTier[tier] = (byTier[tier] ?? 0) + 1;
      }
      return {
        status: 200,
        body: {
          total_users: users.length,
          admins: users.filter(isAdmin).length,
          by_role: byRole,
          by_tier: byTier,
          active_sessions: sessions.length,
        },
      };
    }),

    api_key_create: endpoint('api_key_create', async (ex, _params, raw) => {
      const caller = await authenticate(ex);
      return { status: 201, body: await userKeys().create(caller.user, objectBody(raw)) };
    }),

    api_key_list: endpoint('api_key_list', async (ex) => {
      const caller = await authenticate(ex);
      return { status: 200, body: await userKeys().list(caller.user.username) };
    }),

    api_key_revoke: endpoint('api_key_revoke', async (ex, params) => {
      const caller = await authenticate(ex);
      const who = { username: caller.user.username, admin: caller.admin };
      return { status: 200, body: await userKeys().revoke(who, params[0] ?? '') };
    }),
  };

  async function meReply(ex: Exchange): Promise<Reply> {
    const caller = await authenticate(ex);
    return {
      status: 200,
      body: { valid: true, user: view(caller.user), session: publicSession(caller.session) },
    };
  }
}
