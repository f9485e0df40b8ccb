/** A login session. Its id is a 128-bit random secret; tokens carry it as `sid`. */
export interface SessionRecord {
  readonly id: string;
  readonly username: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Epoch ms: the session ends here too unless activity renews it (sessions.inactivity_timeout). */
  readonly idleUntil?: number;
  /** Seed 000's chat sessions: a chat id and a small JSON object the client keeps there. */
  readonly chatId?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Sessions expire by themselves at `expiresAt`. Store errors (Redis down) reject as they are, so
 * that callers answer 503 rather than "no such session".
 */
export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  /** Null when absent or expired. */
  get(id: string): Promise<SessionRecord | null>;
  /** Replaces a live session (new data, or a later expiry); false when it has ended. */
  update(session: SessionRecord): Promise<boolean>;
  /** Moves a live session's idleUntil, and nothing else of it (no lost concurrent update). */
  touch(id: string, idleUntil: number): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Ends every session of a user; returns their ids. */
  deleteForUser(username: string): Promise<string[]>;
  /** Every live session. */
  list(): Promise<SessionRecord[]>;
}

/** When a session ends: its ttl, or earlier without activity. */
export function sessionEnd(s: SessionRecord): number {
  return s.idleUntil === undefined ? s.expiresAt : Math.min(s.expiresAt, s.idleUntil);
}

/** The view of a session that responses carry. */
export function publicSession(s: SessionRecord): Record<string, unknown> {
  return {
    session_id: s.id,
    user_id: s.username,
    chat_id: s.chatId ?? null,
    data: s.data,
    created_at: new Date(s.createdAt).toISOString(),
    expires_at: new Date(s.expiresAt).toISOString(),
    inactive_expires_at: s.idleUntil === undefined ? null : new Date(s.idleUntil).toISOString(),
  };
}
