import type { Logger } from 'pino';
import type { Endpoint } from './endpoint.js';
import type { HealthChannel, HealthMessage } from './health-channel.js';
import type { HealthChecker } from './health-checker.js';

/** Who checks this upstream, as this instance sees it. */
export type SharingMode =
  /** This instance holds the lease: it checks and publishes. */
  | 'prober'
  /** Another instance holds the lease: this one applies what it publishes. */
  | 'follower'
  /** Redis cannot be reached: this instance checks on its own. */
  | 'local';

export interface SharedHealthOptions {
  /** The upstream's identity among instances: its name and a hash of its checks and endpoints. */
  key: string;
  channel: HealthChannel;
  checker: HealthChecker;
  intervalMs: number;
  endpoints: () => readonly Endpoint[];
  /** An endpoint's health changed here because of a published message. */
  changed: () => void;
  log: Logger;
}

/**
 * One instance at a time checks an upstream: the one holding its lease in Redis. The lease lasts
 * two thirds of the check interval and every instance asks for it four times per interval, so
 * when its holder stops (or dies) another takes it within one interval. The holder publishes each
 * verdict; the others apply it at once and check nothing. Outlier ejections are published by
 * whichever instance ejects. While Redis cannot be reached, every instance checks by itself.
 */
export class SharedHealth {
  private mode: SharingMode = 'local';
  private holder: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private unlisten: (() => void) | null = null;
  private readonly leaseMs: number;
  private readonly tickMs: number;

  constructor(private readonly o: SharedHealthOptions) {
    this.leaseMs = Math.max(1, Math.round((o.intervalMs * 2) / 3));
    this.tickMs = Math.max(1, Math.round(o.intervalMs / 4));
  }

  /** For the admin API: who checks, and which instance holds the lease. */
  snapshot(): { mode: SharingMode; prober: string | null; self: string } {
    return { mode: this.mode, prober: this.holder, self: this.o.channel.instanceId };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.o.channel.listen(
      this.o.key,
      (msg) => this.apply(msg),
      () => void this.resync(),
    );
    void this.tick();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unlisten?.();
    this.o.checker.stop();
    // Handing the lease back lets another instance take over at its next tick, not at expiry.
    if (this.mode === 'prober') this.o.channel.release(this.o.key).catch(() => undefined);
  }

  /** The checker's verdict changed: the prober tells the other instances. */
  verdict(endpoint: Endpoint, healthy: boolean): void {
    if (this.mode !== 'prober') return;
    this.o.channel.publishHealth(this.o.key, endpoint.origin, healthy).catch((err: unknown) => {
      this.o.log.warn(
        { endpoint: endpoint.origin, err: (err as Error).message },
        'shared health: the verdict could not be published',
      );
    });
  }

  /** Passive health ejected `endpoint` here: the other instances eject it as well. */
  ejected(endpoint: Endpoint, ms: number): void {
    this.o.channel.publishEjection(this.o.key, endpoint.origin, ms).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    let holder: string | null;
    try {
      holder = await this.o.channel.lease(this.o.key, this.leaseMs);
    } catch (err) {
      holder = null;
      if (this.running && this.mode !== 'local') {
        this.o.log.warn(
          { err: (err as Error).message },
          'shared health: Redis unavailable; checking the upstream from this instance',
        );
      }
    }
    if (!this.running) return;
    this.become(holder);
    this.timer = setTimeout(() => void this.tick(), this.tickMs).unref();
  }

  private become(holder: string | null): void {
    const previous = this.mode;
    this.holder = holder;
    this.mode =
      holder === null ? 'local' : holder === this.o.channel.instanceId ? 'prober' : 'follower';
    if (this.mode === 'follower') {
      this.o.checker.stop();
      if (previous !== 'follower') void this.resync();
    } else {
      this.o.checker.start();
    }
    if (previous !== this.mode && this.mode === 'prober') {
      this.o.log.info({}, 'shared health: this instance checks the upstream for all');
    }
  }

  /** Applies the verdicts stored by the prober (after a subscribe, messages may be missed). */
  private async resync(): Promise<void> {
    try {
      const verdicts = await this.o.channel.verdicts(this.o.key);
      for (const [origin, healthy] of verdicts) {
        this.apply({ upstream: this.o.key, from: '', kind: 'health', origin, healthy });
      }
    } catch {
      // The next subscribe or change of prober reads them again.
    }
  }

  private apply(msg: HealthMessage): void {
    if (!this.running) return;
    const endpoint = this.o.endpoints().find((e) => e.origin === msg.origin);
    if (endpoint === undefined) return;
    const h = endpoint.health;
    if (msg.kind === 'eject') {
      const until = performance.now() + msg.ms;
      if (h.ejectedUntil >= until) return;
      h.ejectedUntil = until;
      h.ejections++;
      this.o.log.warn(
        { endpoint: msg.origin, ejected_ms: msg.ms, by: msg.from },
        'endpoint ejected by another instance',
      );
      this.o.changed();
      return;
    }
    // The prober's own checks are the authority; in local mode there is no message to apply.
    if (this.mode !== 'follower') return;
    h.healthSource = 'shared';
    if (h.activeUnhealthy === !msg.healthy) return;
    h.activeUnhealthy = !msg.healthy;
    if (msg.healthy) this.o.log.info({ endpoint: msg.origin }, 'endpoint healthy again (shared)');
    else this.o.log.warn({ endpoint: msg.origin }, 'endpoint failed its health checks (shared)');
    this.o.changed();
  }
}
