import { randomFillSync } from 'node:crypto';
import type { AttemptWatch } from '../../data-plane/attempt-observer.js';
import type { ExchangeTrace } from '../../data-plane/exchange.js';
import { withoutTraceHeaders } from './header-carrier.js';

/** Random bytes for ids, filled a page at a time: one system call per 170 requests. */
const POOL = Buffer.allocUnsafe(4096);
let poolOffset = POOL.length;

/** `bytes` random bytes as lower-case hex; never all zeros (an invalid W3C id). */
function randomHexId(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += bytes;
  if (POOL[start] === 0) POOL[start] = 1;
  return POOL.toString('hex', start, start + bytes);
}

/**
 * A request that starts a new trace which the sampling rate leaves out: its ids and nothing of
 * the SDK (no span, context or sampler call). Its attempts still send a traceparent (flags 00),
 * so the upstream continues the same trace id and leaves it out too.
 */
export class UnsampledTrace implements ExchangeTrace, AttemptWatch {
  readonly traceId = randomHexId(16);
  private readonly spanId = randomHexId(8);
  /** The upstream header list the traceparent was added to. */
  private sentWith: string[] | null = null;
  /** The latest attempt's headers, while the trace is that attempt's watch. */
  headers: string[] = [];

  constructor(
    /** The client sent a tracestate without a traceparent: the attempts drop it. */
    private readonly clientTraceState: boolean,
  ) {}

  /**
   * The attempt's header list: the call's own list with the traceparent added once. Every
   * attempt of the request sends the same one (there is no client span per attempt), so a
   * retry gets the list back as it is.
   */
  headersFor(list: string[]): string[] {
    if (this.clientTraceState) return this.added(withoutTraceHeaders(list));
    if (this.sentWith !== list) {
      this.sentWith = list;
      this.added(list);
    }
    return list;
  }

  /**
   * The trace as the watch of an attempt that nothing else observes (metrics off): an attempt
   * of an unrecorded trace has nothing to time or end, so it costs no object of its own.
   */
  watch(list: string[]): AttemptWatch {
    this.headers = this.headersFor(list);
    return this;
  }

  responded(): void {}

  ended(): void {}

  private added(list: string[]): string[] {
    list.push('traceparent', `00-${this.traceId}-${this.spanId}-00`);
    return list;
  }
}
