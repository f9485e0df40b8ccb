import { LruCache } from '../filters/auth/lru-cache.js';
import type { SessionStore } from './session-store.js';

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
): SessionCheck {
  const cache = cacheMs > 0 ? new LruCache<string, { live: boolean; until: number }>(10_000) : null;
  return {
    async isLive(sessionId) {
      const at = now();
      const cached = cache?.get(sessionId);
      if (cached !== undefined && cached.until > at) return cached.live;
      const session = await store.get(sessionId);
      const live = session !== null && session.expiresAt > at;
      // A live answer is never kept past the session's own end.
      const until = Math.min(at + cacheMs, session?.expiresAt ?? Infinity);
      cache?.set(sessionId, { live, until });
      return live;
    },
    forget(sessionId) {
      cache?.delete(sessionId);
    },
  };
}
