import { randomFillSync } from 'node:crypto';
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
export class UnsampledTrace implements ExchangeTrace {
  readonly traceId = randomHexId(16);
  private readonly spanId = randomHexId(8);
  /** The upstream header list the traceparent was added to. */
  private sentWith: string[] | null = null;

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

  private added(list: string[]): string[] {
    list.push('traceparent', `00-${this.traceId}-${this.spanId}-00`);
    return list;
  }
}
