import type { IncomingHttpHeaders } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';
import type { ResponseHead } from './filter-chain.js';

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
  openUpstream(status: number, upstream: IncomingHttpHeaders): this {
    this.upstream = upstream;
    return this.open(status, NO_HEADERS, NO_HEADERS);
  }

  /** Starts a gateway answer's head. */
  openAnswer(status: number, answer: HeaderList, more: HeaderList): this {
    this.upstream = null;
    return this.open(status, answer, more);
  }

  private open(status: number, answer: HeaderList, more: HeaderList): this {
    this.status = status;
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
    const values: string[] = [];
    const added = this.added;
    if (this.upstream !== null) {
      const value = this.upstream[name];
      if (Array.isArray(value)) values.push(...value);
      else if (value !== undefined) values.push(value);
    } else if (!this.removes(name)) {
      for (const list of [this.answer, this.answerMore]) {
        for (const [n, v] of list) if (n.toLowerCase() === name) values.push(v);
      }
    }
    for (let i = 0; i < added.length; i += 2)
      if (added[i] === name) values.push(added[i + 1] as string);
    return values.length === 0 ? undefined : values.join(', ');
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

  /** Writes what the steps added and lets go of the response's headers. */
  writeAdded(res: HttpResponse): void {
    const added = this.added;
    for (let i = 0; i < added.length; i += 2) {
      res.writeHeader(added[i] as string, added[i + 1] as string);
    }
    this.upstream = null;
    this.answer = NO_HEADERS;
    this.answerMore = NO_HEADERS;
  }
}

function listed(headers: HeaderList, name: string): boolean {
  for (let i = 0; i < headers.length; i++) {
    if ((headers[i] as readonly [string, string])[0] === name) return true;
  }
  return false;
}

export const responseDraft = new ResponseDraft();
