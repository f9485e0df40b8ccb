import type { BootstrapUserConfig } from '../config/gateway-config.js';
import { hashPassword, verifyPassword, type ScryptParams } from './password-hash.js';
import type { UserRecord, UserStore } from './user-store.js';

export interface BootstrapSettings {
  users: readonly BootstrapUserConfig[];
  defaultRoles: readonly string[];
  scrypt: ScryptParams;
  now?: () => number;
}

/**
 * Writes the config's users into the store: the config wins over changes made at runtime (a
 * demoted bootstrap admin is an admin again after the next start). A plaintext password (from
 * the environment) that still matches the stored hash keeps that hash, so that a restart does not
 * rewrite every user.
 */
export async function bootstrapUsers(store: UserStore, s: BootstrapSettings): Promise<void> {
  const now = s.now ?? Date.now;
  for (const u of s.users) {
    const username = u.username.toLowerCase();
    const existing = await store.get(username);
    let passwordHash: string;
    if (u.password_hash !== undefined) passwordHash = u.password_hash;
    else if (existing !== null && (await verifyPassword(u.password ?? '', existing.passwordHash)))
      passwordHash = existing.passwordHash;
    else passwordHash = await hashPassword(u.password ?? '', s.scrypt);
    const at = now();
    const user: UserRecord = {
      username,
      passwordHash,
      roles: [...(u.roles ?? s.defaultRoles)],
      tier: u.tier,
      email: u.email,
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    if (existing !== null && sameUser(existing, user)) continue;
    await store.put(user);
  }
}

function sameUser(a: UserRecord, b: UserRecord): boolean {
  return (
    a.passwordHash === b.passwordHash &&
    a.tier === b.tier &&
    a.email === b.email &&
    a.roles.length === b.roles.length &&
    a.roles.every((r, i) => b.roles[i] === r)
  );
}
