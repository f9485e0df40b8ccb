/** A user as stores keep it. The password hash never leaves the identity module. */
export interface UserRecord {
  readonly username: string;
  readonly passwordHash: string;
  readonly roles: readonly string[];
  readonly tier?: string;
  readonly email?: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * Users by username (stored lower-case: `Alice` and `alice` are one account). Store errors
 * (Redis down) reject as they are, so that callers answer 503, never "wrong password".
 */
export interface UserStore {
  get(username: string): Promise<UserRecord | null>;
  /** False when the username is taken. */
  create(user: UserRecord): Promise<boolean>;
  /** Writes the record whether or not it exists (bootstrap users, rehashes, role changes). */
  put(user: UserRecord): Promise<void>;
  delete(username: string): Promise<boolean>;
  list(): Promise<UserRecord[]>;
}

/** The view of a user that responses carry: no hash, ever. */
export function publicUser(
  user: UserRecord,
  adminRoles: readonly string[],
): Record<string, unknown> {
  return {
    user_id: user.username,
    username: user.username,
    email: user.email ?? null,
    // Seed 000's single `role`: the admin role when the user has one, else the first role.
    role: user.roles.find((r) => adminRoles.includes(r)) ?? user.roles[0] ?? null,
    roles: user.roles,
    tier: user.tier ?? null,
    created_at: new Date(user.createdAt).toISOString(),
  };
}
