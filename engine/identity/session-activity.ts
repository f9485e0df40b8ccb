import { LruCache } from '../filters/auth/lru-cache.js';
import type { Logger } from '../observability/logger.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/** identity.sessions.inactivity_timeout: what renews a session's `idleUntil`. */
export interface SessionActivity {
  /** When a new session goes idle (undefined: never). */
  idleUntil(at: number): number | undefined;
  /** A session read for a request or an identity endpoint was used. */
  seen(session: SessionRecord): void;
  /** A session known by id only (a hub message's token) was used. */
  seenId(sessionId: string): void;
}

/** At least once a minute, else every tenth of the timeout: one write per session per period. */
const MAX_RENEW_EVERY_MS = 60_000;

export function createSessionActivity(
  store: SessionStore,
  timeoutMs: number,
  logger: Logger,
  now: () => number = Date.now,
): SessionActivity {
  if (timeoutMs === 0) {
    return { idleUntil: () => undefined, seen() {}, seenId() {} };
  }
  const renewEveryMs = Math.min(MAX_RENEW_EVERY_MS, timeoutMs / 10);
  // Hub messages come by the thousand: each session is renewed once per period, not per message.
  const lookedUp = new LruCache<string, number>(10_000);
  const failed = (err: unknown): void => {
    logger.warn({ err }, 'a session could not be renewed');
  };
  const seen = (session: SessionRecord): void => {
    const at = now();
    if (session.idleUntil !== undefined && session.idleUntil - at > timeoutMs - renewEveryMs)
      return;
    store.touch(session.id, at + timeoutMs).catch(failed);
  };
  return {
    idleUntil: (at) => at + timeoutMs,
    seen,
    seenId(sessionId) {
      const at = now();
      const last = lookedUp.get(sessionId);
      if (last !== undefined && at - last < renewEveryMs) return;
      lookedUp.set(sessionId, at);
      store.touch(sessionId, at + timeoutMs).catch(failed);
    },
  };
}
