import type { IncomingHttpHeaders } from 'node:http';

/**
 * Told of a proxied answer as it streams to the client, without changing it: the response cache
 * records what it will store this way. Each call at most once, except `data`; `fail` ends it
 * early (the upstream broke off, the client left, the gateway answered instead).
 */
export interface ResponseTap {
  /** The upstream's status and headers, before any response step has seen them. */
  head(status: number, headers: IncomingHttpHeaders): void;
  /** One chunk of the body as the upstream sent it. */
  data(chunk: Buffer): void;
  /** The body is complete. */
  end(): void;
  fail(): void;
}

/** What the response cache decided for a request, for the X-Cache header it answers with. */
export interface CacheMark {
  readonly xCache: 'HIT' | 'MISS' | 'BYPASS';
  /** A hit's entry: epoch ms of the upstream's answer, for Age; 0 otherwise. */
  readonly storedAt: number;
}
