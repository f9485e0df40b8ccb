import { sessionEnd, type SessionRecord, type SessionStore } from './session-store.js';

/** Sessions in this process only; an expired one is dropped when it is next looked at. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  create(session: SessionRecord): Promise<void> {
    this.sweep();
    this.sessions.set(session.id, session);
    return Promise.resolve();
  }

  get(id: string): Promise<SessionRecord | null> {
    return Promise.resolve(this.live(id));
  }

  update(session: SessionRecord): Promise<boolean> {
    if (this.live(session.id) === null) return Promise.resolve(false);
    this.sessions.set(session.id, session);
    return Promise.resolve(true);
  }

  touch(id: string, idleUntil: number): Promise<void> {
    const s = this.live(id);
    if (s !== null) this.sessions.set(id, { ...s, idleUntil });
    return Promise.resolve();
  }

  delete(id: string): Promise<boolean> {
    const existed = this.live(id) !== null;
    this.sessions.delete(id);
    return Promise.resolve(existed);
  }

  deleteForUser(username: string): Promise<string[]> {
    const ended: string[] = [];
    for (const [id, s] of this.sessions) {
      if (s.username !== username) continue;
      this.sessions.delete(id);
      ended.push(id);
    }
    return Promise.resolve(ended);
  }

  list(): Promise<SessionRecord[]> {
    this.sweep();
    return Promise.resolve([...this.sessions.values()]);
  }

  private live(id: string): SessionRecord | null {
    const s = this.sessions.get(id);
    if (s === undefined) return null;
    if (sessionEnd(s) > this.now()) return s;
    this.sessions.delete(id);
    return null;
  }

  /** Drops expired sessions, so that logins that never log out do not grow the map forever. */
  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (sessionEnd(s) <= now) this.sessions.delete(id);
  }
}
