import { Resolver } from 'node:dns/promises';
import type { Logger } from 'pino';
import { EndpointHealth, type Endpoint } from './endpoint.js';
import { createPool, type PoolSettings } from './pool-registry.js';
import type { EndpointDiscovery } from './upstream-group.js';

export interface DnsDiscoverySettings {
  /** A records' name resolves to addresses (then `port`); an SRV name to targets and ports. */
  type: 'DNS' | 'SRV';
  name: string;
  /** Type DNS only. */
  port: number | null;
  scheme: 'http' | 'https';
  minRefreshMs: number;
  maxRefreshMs: number;
  /** host:port of a DNS server to ask; null: the system's resolvers. */
  resolver: string | null;
  pool: PoolSettings;
}

interface Target {
  origin: string;
  weight: number;
}

interface Answer {
  targets: Target[];
  /** Seconds until the first of the records used expires; null when not reported (SRV). */
  ttl: number | null;
}

/** How long one resolution may take before it counts as failed. */
const QUERY_TIMEOUT_MS = 2000;

/**
 * Endpoints from DNS, resolved again when the records' TTL runs out (never sooner than the
 * minimum nor later than the maximum). An answer that differs from the last one replaces the
 * list: endpoints that stay keep their Endpoint object (its health, ejection, load and pool),
 * new ones get a pool of their own, and the pools of those that left are closed once their
 * requests in flight finish. A failed resolution keeps the last known list and tries again
 * after the minimum; so does an empty answer, which is taken as a fault of DNS rather than a
 * service with no endpoints.
 */
export class DnsDiscovery implements EndpointDiscovery {
  private readonly resolver: Resolver;
  private readonly current = new Map<string, Endpoint>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failing = false;

  constructor(
    private readonly settings: DnsDiscoverySettings,
    private readonly log: Logger,
  ) {
    this.resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 });
    if (settings.resolver !== null) this.resolver.setServers([settings.resolver]);
  }

  start(update: (endpoints: readonly Endpoint[]) => void): void {
    if (this.running) return;
    this.running = true;
    void this.resolve(update);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.resolver.cancel();
    for (const endpoint of this.current.values()) void endpoint.pool.close();
    this.current.clear();
  }

  private async resolve(update: (endpoints: readonly Endpoint[]) => void): Promise<void> {
    let delayMs = this.settings.minRefreshMs;
    try {
      const answer = await this.query();
      if (!this.running) return;
      if (answer.targets.length === 0) throw new Error('the answer has no address');
      if (this.failing) this.log.info({ name: this.settings.name }, 'DNS discovery resolves again');
      this.failing = false;
      if (this.apply(answer.targets)) update([...this.current.values()]);
      delayMs =
        answer.ttl === null
          ? this.settings.maxRefreshMs
          : Math.min(
              this.settings.maxRefreshMs,
              Math.max(this.settings.minRefreshMs, answer.ttl * 1000),
            );
    } catch (err) {
      if (!this.running) return;
      if (!this.failing) {
        this.log.warn(
          { name: this.settings.name, err: (err as Error).message, kept: this.current.size },
          'DNS discovery failed; keeping the last known endpoints',
        );
      }
      this.failing = true;
    }
    this.timer = setTimeout(() => void this.resolve(update), delayMs).unref();
  }

  /** Replaces the endpoint set with `answer`; false when nothing changed. */
  private apply(answer: Target[]): boolean {
    // SRV records may name one target and port twice: one endpoint, their weights added.
    const next = new Map<string, Target>();
    for (const t of answer) {
      const seen = next.get(t.origin);
      next.set(t.origin, { origin: t.origin, weight: (seen?.weight ?? 0) + t.weight });
    }
    const targets = [...next.values()];
    const changed =
      next.size !== this.current.size ||
      targets.some((t) => this.current.get(t.origin)?.weight !== t.weight);
    if (!changed) return false;
    const joined: string[] = [];
    const left: string[] = [];
    for (const [origin, endpoint] of this.current) {
      if (next.has(origin)) continue;
      this.current.delete(origin);
      left.push(origin);
      void endpoint.pool.close();
    }
    for (const target of targets) {
      const known = this.current.get(target.origin);
      if (known !== undefined && known.weight === target.weight) continue;
      if (known === undefined) joined.push(target.origin);
      this.current.set(target.origin, {
        origin: target.origin,
        pool: known?.pool ?? createPool(target.origin, this.settings.pool),
        weight: target.weight,
        health: known?.health ?? new EndpointHealth(),
      });
    }
    this.log.info(
      { name: this.settings.name, joined, left, endpoints: this.current.size },
      'DNS discovery changed the endpoints',
    );
    return true;
  }

  private async query(): Promise<Answer> {
    const { type, name, port, scheme } = this.settings;
    if (type === 'DNS') {
      const addresses = await this.addresses(name);
      return {
        targets: addresses.list.map((a) => ({ origin: origin(scheme, a, port ?? 80), weight: 1 })),
        ttl: addresses.ttl,
      };
    }
    const records = await this.resolver.resolveSrv(name);
    // RFC 2782: only the records of the lowest priority are used while any of them exists.
    const best = Math.min(...records.map((r) => r.priority));
    const targets: Target[] = [];
    for (const record of records.filter((r) => r.priority === best)) {
      const addresses = await this.addresses(record.name);
      for (const a of addresses.list) {
        targets.push({
          origin: origin(scheme, a, record.port),
          weight: Math.max(1, record.weight),
        });
      }
    }
    // Node's resolver does not report the SRV records' TTL: they are re-read at the maximum.
    return { targets, ttl: null };
  }

  /** The A and AAAA addresses of `host`, with the shortest TTL among them. */
  private async addresses(host: string): Promise<{ list: string[]; ttl: number | null }> {
    const [v4, v6] = await Promise.allSettled([
      this.resolver.resolve4(host, { ttl: true }),
      this.resolver.resolve6(host, { ttl: true }),
    ]);
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
    const records = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    const ttl = records.length === 0 ? null : Math.min(...records.map((r) => r.ttl));
    return { list: records.map((r) => r.address).sort(), ttl };
  }
}

function origin(scheme: string, address: string, port: number): string {
  return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
