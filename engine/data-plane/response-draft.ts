import type { IncomingHttpHeaders } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';
import type { BodyEncoding, ResponseHead } from './filter-chain.js';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

const NO_HEADERS: HeaderList = Object.freeze([]);

/**
 * The head the route's response steps shape: the headers the upstream or the gateway brought,
 * what the steps added and what they removed. Written to uWS only after the last step, so a
 * step's removal reaches every earlier header. One object, reused: a head is drafted and
 * written synchronously, inside one cork.
 */
class ResponseDraft implements ResponseHead {
  status = 0;
  bodyLength = -1;
  /** The coding a step asked for; null sends the body as it is. */
  encoding: BodyEncoding | null = null;
  /** A proxied response's headers, as undici parsed them; removal clears their values. */
  private upstream: IncomingHttpHeaders | null = null;
  /** A gateway answer's headers, in two lists (its content type, the rest). */
  private answer: HeaderList = NO_HEADERS;
  private answerMore: HeaderList = NO_HEADERS;
  /** Headers the steps added, as [name, value, ...]. */
  private readonly added: string[] = [];
  /** Names removed from `answer`. */
  private readonly removed: string[] = [];

  /** Starts a proxied response's head. */
  openUpstream(status: number, upstream: IncomingHttpHeaders, bodyLength: number): this {
    this.upstream = upstream;
    return this.open(status, NO_HEADERS, NO_HEADERS, bodyLength);
  }

  /** Starts a gateway answer's head. */
  openAnswer(status: number, answer: HeaderList, more: HeaderList, bodyLength: number): this {
    this.upstream = null;
    return this.open(status, answer, more, bodyLength);
  }

  private open(status: number, answer: HeaderList, more: HeaderList, bodyLength: number): this {
    this.status = status;
    this.bodyLength = bodyLength;
    this.encoding = null;
    this.answer = answer;
    this.answerMore = more;
    this.added.length = 0;
    this.removed.length = 0;
    return this;
  }

  has(name: string): boolean {
    const added = this.added;
    for (let i = 0; i < added.length; i += 2) if (added[i] === name) return true;
    if (this.upstream !== null) return this.upstream[name] !== undefined;
    if (this.removed.length > 0 && this.removed.includes(name)) return false;
    return listed(this.answer, name) || listed(this.answerMore, name);
  }

  get(name: string): string | undefined {
    let value: string | undefined;
    if (this.upstream !== null) {
      const upstream = this.upstream[name];
      if (Array.isArray(upstream)) for (const v of upstream) value = joined(value, v);
      else value = upstream;
    } else if (!this.removes(name)) {
      for (const [n, v] of this.answer) if (n === name) value = joined(value, v);
      for (const [n, v] of this.answerMore) if (n === name) value = joined(value, v);
    }
    const added = this.added;
    for (let i = 0; i < added.length; i += 2) {
      if (added[i] === name) value = joined(value, added[i + 1] as string);
    }
    return value;
  }

  encodeBody(encoding: BodyEncoding): void {
    this.encoding = encoding;
  }

  add(name: string, value: string): void {
    this.added.push(name, value);
  }

  remove(name: string): void {
    const added = this.added;
    let kept = 0;
    for (let i = 0; i < added.length; i += 2) {
      if (added[i] === name) continue;
      added[kept++] = added[i] as string;
      added[kept++] = added[i + 1] as string;
    }
    added.length = kept;
    if (this.upstream !== null) this.upstream[name] = undefined;
    else if (!this.removed.includes(name)) this.removed.push(name);
  }

  /** Whether a step removed this header of the gateway's answer. */
  removes(name: string): boolean {
    return this.removed.length > 0 && this.removed.includes(name);
  }

  /**
   * Writes what the steps added, and Content-Encoding when a step asked for one, and lets go of
   * the response's headers. Returns the coding the body must be sent in, if any.
   */
  writeAdded(res: HttpResponse): BodyEncoding | null {
    const added = this.added;
    for (let i = 0; i < added.length; i += 2) {
      res.writeHeader(added[i] as string, added[i + 1] as string);
    }
    const encoding = this.encoding;
    if (encoding !== null) res.writeHeader('content-encoding', encoding.name);
    this.encoding = null;
    this.upstream = null;
    this.answer = NO_HEADERS;
    this.answerMore = NO_HEADERS;
    return encoding;
  }
}

function listed(headers: HeaderList, name: string): boolean {
  for (let i = 0; i < headers.length; i++) {
    if ((headers[i] as readonly [string, string])[0] === name) return true;
  }
  return false;
}

export const responseDraft = new ResponseDraft();

/** Several values of one header, as one: joined by ", " (RFC 9110, section 5.3). */
function joined(value: string | undefined, next: string): string {
  return value === undefined ? next : `${value}, ${next}`;
}
