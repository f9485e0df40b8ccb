import type { Endpoint } from '../upstream/endpoint.js';
import type { Exchange } from './exchange.js';

/**
 * How one upstream attempt ended: the response status, the failure kind `retries.on` names,
 * 'error' for any other failure, 'aborted' when the gateway or the client ended it, or
 * 'refused' when the upstream client refused to send a malformed request.
 */
export type AttemptEnd =
  number | 'connect_error' | 'reset' | 'timeout' | 'error' | 'aborted' | 'refused';

/**
 * Watches the upstream attempts of one route and upstream (metrics, trace spans). Compiled per
 * route and upstream; null when nothing watches, so the proxy then does no work for it.
 */
export interface AttemptObserver {
  /**
   * An attempt is about to go out to `target` (path and query as sent) with `headers`; `attempt`
   * counts from 1.
   */
  started(
    ex: Exchange,
    endpoint: Endpoint,
    attempt: number,
    target: string,
    headers: string[],
  ): AttemptWatch;
  /** A failed attempt is being retried. */
  retried(): void;
  /** A retry was refused because the upstream's retry budget is spent. */
  budgetExhausted(): void;
}

export interface AttemptWatch {
  /** The headers to send: the attempt's own trace context added when tracing. */
  readonly headers: string[];
  /** The response head arrived. */
  responded(status: number): void;
  /** The attempt is over (called once). */
  ended(end: AttemptEnd): void;
}
