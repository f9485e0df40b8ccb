import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange } from '../../data-plane/exchange.js';
import { clientResponseHeaderList } from '../../data-plane/forward-headers.js';
import type { ResponseTap } from '../../data-plane/response-tap.js';
import { CachedResponse, variantOf } from './cached-response.js';
import { ageOf, freshnessOf, varyNamesOf, type CachePolicy } from './cache-policy.js';
import type { CacheStore } from './cache-store.js';
import type { Flight } from './flight.js';

/**
 * Collects a miss's upstream answer as it streams to the client and stores it once complete,
 * if the answer may be stored; tells the requests waiting for it either way.
 */
export class ResponseRecorder implements ResponseTap {
  /** The upstream's head arrived: a response step that runs without it sees the gateway's own answer. */
  headSeen = false;
  private done = false;
  private status = 0;
  private headers: [string, string][] = [];
  private vary: string[] = [];
  private storedAt = 0;
  private expiresAt = 0;
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly ex: Exchange,
    private readonly key: string,
    private readonly policy: CachePolicy,
    private readonly store: CacheStore,
    private readonly flight: Flight | null,
  ) {}

  head(status: number, headers: IncomingHttpHeaders): void {
    this.headSeen = true;
    const freshMs = freshnessOf(this.policy, status, headers);
    const storedAt = Date.now() - ageOf(headers) * 1000;
    if (freshMs <= 0 || storedAt + freshMs <= Date.now()) {
      this.fail();
      return;
    }
    this.status = status;
    this.storedAt = storedAt;
    this.expiresAt = storedAt + freshMs;
    this.vary = varyNamesOf(headers) ?? [];
    const owned = this.ex.chain?.ownsResponseHeader ?? null;
    this.headers = clientResponseHeaderList(headers, owned).filter(([name]) => name !== 'age');
  }

  data(chunk: Buffer): void {
    if (this.done) return;
    this.bytes += chunk.length;
    if (this.bytes > this.policy.maxEntryBytes) this.fail();
    else this.chunks.push(chunk);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    const ex = this.ex;
    const entry = new CachedResponse(
      this.status,
      this.headers,
      Buffer.concat(this.chunks, this.bytes),
      this.storedAt,
      this.expiresAt,
      this.vary,
      variantOf((name) => ex.header(name), this.vary),
    );
    this.chunks.length = 0;
    this.store.set(this.key, entry);
    this.flight?.settle(entry);
  }

  fail(): void {
    if (this.done) return;
    this.done = true;
    this.chunks.length = 0;
    this.flight?.settle(null);
  }
}
