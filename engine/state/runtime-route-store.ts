import type { StoredRuntimeRoute } from '../config/runtime-route.js';

/**
 * Where runtime routes (registered through the admin API) are kept: in this process, or in
 * Redis, shared by every instance and kept across restarts.
 */
export interface RuntimeRouteStore {
  /** "memory" or "redis", for the admin API. */
  readonly kind: 'memory' | 'redis';
  /** Every stored route, oldest first. Rejects when the store cannot be reached. */
  list(): Promise<StoredRuntimeRoute[]>;
  /** Stores a route under its name and tells the other instances; false when the name is taken. */
  add(route: StoredRuntimeRoute): Promise<boolean>;
  /** Removes a route and tells the other instances; false when no route has the name. */
  remove(name: string): Promise<boolean>;
  /**
   * `changed` runs whenever the stored set may have changed without this instance's doing: a
   * notification from another instance, or a reconnect after which notifications may be lost.
   */
  watch(changed: () => void): void;
  /** Resolves true once the store answers, or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Runtime routes of this process only: gone on restart. */
export class MemoryRuntimeRouteStore implements RuntimeRouteStore {
  readonly kind = 'memory';
  private readonly routes = new Map<string, StoredRuntimeRoute>();

  list(): Promise<StoredRuntimeRoute[]> {
    return Promise.resolve(sortRuntimeRoutes([...this.routes.values()]));
  }

  add(route: StoredRuntimeRoute): Promise<boolean> {
    if (this.routes.has(route.name)) return Promise.resolve(false);
    this.routes.set(route.name, route);
    return Promise.resolve(true);
  }

  remove(name: string): Promise<boolean> {
    return Promise.resolve(this.routes.delete(name));
  }

  watch(): void {}

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Oldest first, then by name: every instance compiles the same set in the same order. */
export function sortRuntimeRoutes(routes: StoredRuntimeRoute[]): StoredRuntimeRoute[] {
  return routes.sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1));
}
