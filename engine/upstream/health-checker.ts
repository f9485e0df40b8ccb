import { Client } from 'undici';
import type { Endpoint } from './endpoint.js';

export interface HealthCheckSettings {
  /** "/health" */
  path: string;
  intervalMs: number;
  /** For the whole check: connect, headers and body. */
  timeoutMs: number;
  /** Consecutive successes that bring an unhealthy endpoint back. */
  healthyThreshold: number;
  /** Consecutive failures that take an endpoint out. */
  unhealthyThreshold: number;
  expectedStatuses: (status: number) => boolean;
}

/** One endpoint's checking state while the checker runs. */
interface Probe {
  readonly endpoint: Endpoint;
  /** Owned by the checker: checks must not queue behind real traffic on endpoint.pool. */
  readonly client: Client;
  /** The wait before the next check, or the timeout of the check under way. */
  timer: NodeJS.Timeout | null;
  /** Aborts the check under way; null between checks. */
  inFlight: AbortController | null;
  successes: number;
  failures: number;
  stopped: boolean;
}

const HEADERS = { 'user-agent': 'gatewayd-health-check' };

/**
 * Active health checks of one upstream's endpoints: a GET of `path` on each endpoint, on its own
 * jittered timer, that flips `endpoint.health.activeUnhealthy` after enough consecutive results.
 */
export class HealthChecker {
  private probes: Probe[] = [];
  private running = false;

  constructor(
    readonly upstream: string,
    private endpoints: readonly Endpoint[],
    private readonly settings: HealthCheckSettings,
    private readonly onChange: (endpoint: Endpoint, healthy: boolean) => void,
  ) {}

  /** Whether this instance is checking the endpoints now. */
  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.probes = this.endpoints.map((endpoint) => this.startProbe(endpoint));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const probe of this.probes) this.stopProbe(probe);
    this.probes = [];
  }

  /** Discovery changed the endpoints: probes of those that left stop, new ones get probes. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    if (!this.running) return;
    const next = new Set(endpoints);
    const kept: Probe[] = [];
    for (const probe of this.probes) {
      if (next.has(probe.endpoint)) kept.push(probe);
      else this.stopProbe(probe);
    }
    const probed = new Set(kept.map((p) => p.endpoint));
    for (const endpoint of endpoints) {
      if (!probed.has(endpoint)) kept.push(this.startProbe(endpoint));
    }
    this.probes = kept;
  }

  private startProbe(endpoint: Endpoint): Probe {
    const probe: Probe = {
      endpoint,
      // A black-holed connect must not outlive the check that started it.
      client: new Client(endpoint.origin, { connect: { timeout: this.settings.timeoutMs } }),
      timer: null,
      inFlight: null,
      successes: 0,
      failures: 0,
      stopped: false,
    };
    // A random first delay spreads the checks of many endpoints (and many gateways) out.
    this.schedule(probe, Math.random() * this.settings.intervalMs);
    return probe;
  }

  private stopProbe(probe: Probe): void {
    probe.stopped = true;
    if (probe.timer) clearTimeout(probe.timer);
    probe.inFlight?.abort();
    void probe.client.destroy();
  }

  private schedule(probe: Probe, delayMs: number): void {
    probe.timer = setTimeout(() => void this.check(probe), delayMs).unref();
  }

  private async check(probe: Probe): Promise<void> {
    const controller = new AbortController();
    probe.inFlight = controller;
    probe.timer = setTimeout(() => controller.abort(), this.settings.timeoutMs).unref();
    const ok = await this.passes(probe.client, controller.signal);
    clearTimeout(probe.timer);
    probe.inFlight = null;
    if (probe.stopped) return;
    // Scheduled before recording, so an onChange that stops the checker clears this timer too.
    const jitter = 0.9 + Math.random() * 0.2;
    this.schedule(probe, this.settings.intervalMs * jitter);
    this.record(probe, ok);
  }

  private async passes(client: Client, signal: AbortSignal): Promise<boolean> {
    try {
      const { statusCode, body } = await client.request({
        method: 'GET',
        path: this.settings.path,
        headers: HEADERS,
        signal,
        // A fresh connection per check tests what new requests need, and never races an idle
        // keep-alive socket the endpoint is closing.
        reset: true,
      });
      // Past the limit the body is dropped with its connection: the status already decided.
      await body.dump({ limit: 64 * 1024, signal });
      return this.settings.expectedStatuses(statusCode);
    } catch {
      // Connection errors and timeouts (the abort) count as failures.
      return false;
    }
  }

  private record(probe: Probe, ok: boolean): void {
    const health = probe.endpoint.health;
    health.healthSource = 'local';
    if (ok) {
      probe.failures = 0;
      if (!health.activeUnhealthy || ++probe.successes < this.settings.healthyThreshold) return;
      probe.successes = 0;
      health.activeUnhealthy = false;
      this.onChange(probe.endpoint, true);
    } else {
      probe.successes = 0;
      if (health.activeUnhealthy || ++probe.failures < this.settings.unhealthyThreshold) return;
      probe.failures = 0;
      health.activeUnhealthy = true;
      this.onChange(probe.endpoint, false);
    }
  }
}
