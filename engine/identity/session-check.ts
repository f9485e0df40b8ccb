import { LruCache } from '../filters/auth/lru-cache.js';
import type { SessionActivity } from './session-activity.js';
import { sessionEnd, type SessionStore } from './session-store.js';

/**
 * Whether a token's session is still live, for `auth.jwt.require_session`. Answers are cached
 * for `cacheMs`, so a busy route does not ask the store on every request: a session ended on
 * another instance is refused here at most `cacheMs` later; one ended through this instance is
 * forgotten at once.
 */
export interface SessionCheck {
  isLive(sessionId: string): Promise<boolean>;
  forget(sessionId: string): void;
}

export function createSessionCheck(
  store: SessionStore,
  cacheMs: number,
  now: () => number = Date.now,
  /** Told of each live session it reads: a checked request is activity. */
  activity: SessionActivity | null = null,
): SessionCheck {
  const cache = cacheMs > 0 ? new LruCache<string, { live: boolean; until: number }>(10_000) : null;
  return {
    async isLive(sessionId) {
      const at = now();
      const cached = cache?.get(sessionId);
      if (cached !== undefined && cached.until > at) return cached.live;
      const session = await store.get(sessionId);
      const live = session !== null && sessionEnd(session) > at;
      if (live) activity?.seen(session);
      // A live answer is never kept past the session's own end.
      const until = Math.min(at + cacheMs, session === null ? Infinity : sessionEnd(session));
      cache?.set(sessionId, { live, until });
      return live;
    },
    forget(sessionId) {
      cache?.delete(sessionId);
    },
  };
}
