import type { Endpoint } from '../../upstream/endpoint.js';

/**
 * Hands the endpoint a socket.io session lives on to the proxy step that runs next: set for
 * the synchronous call into that step only, which reads it before it picks an endpoint.
 */
export class EndpointPin {
  private current: Endpoint | null = null;

  /** The proxy steps' affinity: the pinned endpoint, or null to let the balancer choose. */
  readonly affinity = (): Endpoint | null => this.current;

  /** Runs `step` with `endpoint` pinned. */
  run(endpoint: Endpoint | null, step: () => void): void {
    this.current = endpoint;
    try {
      step();
    } finally {
      this.current = null;
    }
  }
}
