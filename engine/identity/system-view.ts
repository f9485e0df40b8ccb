/** One hub connection of a user, as /sessions/users/{id}/connection shows it. */
export interface UserConnection {
  connection_id: string;
  connected_at: string;
  channels: string[];
  roles: readonly string[];
  origin: string | null;
  messages_in: number;
  messages_out: number;
}

/**
 * What the identity endpoints read of the running gateway (seed 000's system monitoring), handed
 * down by the compiler: the hub and Redis live above this folder.
 */
export interface SystemView {
  /** The user's hub connections on this instance. */
  connectionsOf(username: string): UserConnection[];
  /** This instance: process, routes, hub. */
  stats(): Record<string, unknown>;
  /** The top-level Redis, without its address; null when the config has none. */
  redisInfo(): Promise<Record<string, unknown> | null>;
}
