import type { UserRecord, UserStore } from './user-store.js';

/** Users in this process only: gone on restart, not seen by other instances. */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, UserRecord>();

  get(username: string): Promise<UserRecord | null> {
    return Promise.resolve(this.users.get(username) ?? null);
  }

  create(user: UserRecord): Promise<boolean> {
    if (this.users.has(user.username)) return Promise.resolve(false);
    this.users.set(user.username, user);
    return Promise.resolve(true);
  }

  put(user: UserRecord): Promise<void> {
    this.users.set(user.username, user);
    return Promise.resolve();
  }

  delete(username: string): Promise<boolean> {
    return Promise.resolve(this.users.delete(username));
  }

  list(): Promise<UserRecord[]> {
    return Promise.resolve([...this.users.values()]);
  }
}
