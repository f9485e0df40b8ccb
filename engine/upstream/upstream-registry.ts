import type { UpstreamGroup } from './upstream-group.js';

/**
 * The upstream groups in use, keyed by a fingerprint of their whole config. A reload that leaves
 * an upstream unchanged gets the same group back, with its health, breaker and balancer state;
 * a changed upstream gets a fresh one. Groups start (health checks) only once their table is
 * installed, so a build that fails never leaves timers behind.
 */
export class UpstreamRegistry {
  private readonly groups = new Map<string, UpstreamGroup>();
  private readonly started = new Set<string>();

  acquire(key: string, create: () => UpstreamGroup): UpstreamGroup {
    let group = this.groups.get(key);
    if (!group) {
      group = create();
      this.groups.set(key, group);
    }
    return group;
  }

  /** Starts the groups of the table in force and stops and forgets every other one. */
  activate(keep: ReadonlySet<string>): void {
    for (const [key, group] of this.groups) {
      if (keep.has(key)) {
        if (!this.started.has(key)) {
          this.started.add(key);
          group.start();
        }
        continue;
      }
      group.stop();
      this.started.delete(key);
      this.groups.delete(key);
    }
  }

  stopAll(): void {
    this.activate(new Set());
  }

  /** Every group of the table in force, for metrics and the admin API. */
  get active(): UpstreamGroup[] {
    return [...this.started].map((key) => this.groups.get(key) as UpstreamGroup);
  }
}
