import type { ExchangeTrace } from '../../data-plane/exchange.js';

/**
 * A request that starts a new trace which the sampling rate leaves out: its ids and nothing of
 * the SDK (no span, context or sampler call). Its attempts still send a traceparent (flags 00),
 * so the upstream continues the same trace id and leaves it out too.
 */
export class UnsampledTrace implements ExchangeTrace {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    /** The client sent a tracestate without a traceparent: the attempts drop it. */
    readonly clientTraceState: boolean,
  ) {}

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-00`;
  }
}
