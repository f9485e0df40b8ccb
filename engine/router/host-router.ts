import { hostName } from './host-name.js';
import type { PathPattern } from './path-pattern.js';
import { SegmentTrie, type AddConflict, type SlotRules, type TrieMatch } from './segment-trie.js';

/**
 * Routes by host first: an exact host, then wildcard hosts (longest suffix first), then routes
 * without a host. A request falls through to the next tier when its path finds nothing in one.
 */
export class HostRouter<T, C = undefined> {
  private readonly exactHosts = new Map<string, SegmentTrie<T, C>>();
  private readonly wildcardHosts: Array<{ suffix: string; trie: SegmentTrie<T, C> }> = [];
  private readonly anyHost: SegmentTrie<T, C>;

  constructor(private readonly rules?: SlotRules<T, C>) {
    this.anyHost = new SegmentTrie(rules);
  }

  add(
    host: string | undefined,
    pattern: PathPattern,
    path: string,
    methods: readonly string[] | null,
    value: T,
  ): AddConflict<T> | null {
    return this.trieFor(host).add(pattern, path, methods, value);
  }

  /**
   * `host` is the request's Host header; its port, letter case and trailing dot are ignored. `ctx` is what the
   * slot rules read to test a route's condition.
   */
  match(method: string, host: string, path: string, ctx?: C): TrieMatch<T> {
    let allowed: Set<string> | null = null;
    if (this.exactHosts.size > 0 || this.wildcardHosts.length > 0) {
      const name = hostName(host);
      const exact = this.exactHosts.get(name);
      if (exact) {
        const hit = exact.match(method, path, ctx);
        if (hit.found) return hit;
        allowed = hit.allowed;
      }
      for (const { suffix, trie } of this.wildcardHosts) {
        if (name.length > suffix.length && name.endsWith(suffix)) {
          const hit = trie.match(method, path, ctx);
          if (hit.found) return hit;
          allowed = merged(allowed, hit.allowed);
        }
      }
    }
    const hit = this.anyHost.match(method, path, ctx);
    if (hit.found) return hit;
    return { found: false, allowed: merged(allowed, hit.allowed) };
  }

  private trieFor(host: string | undefined): SegmentTrie<T, C> {
    if (host === undefined) return this.anyHost;
    const name = hostName(host);
    if (name.startsWith('*.')) {
      const suffix = name.slice(1);
      let entry = this.wildcardHosts.find((w) => w.suffix === suffix);
      if (!entry) {
        entry = { suffix, trie: new SegmentTrie(this.rules) };
        this.wildcardHosts.push(entry);
        this.wildcardHosts.sort((a, b) => b.suffix.length - a.suffix.length);
      }
      return entry.trie;
    }
    let trie = this.exactHosts.get(name);
    if (!trie) this.exactHosts.set(name, (trie = new SegmentTrie(this.rules)));
    return trie;
  }
}

/**
 * The methods the path takes in every host tier a request fell through: any of them would have
 * been served, so a 405's Allow lists them all. Each miss brings a new set, so one is reused.
 */
function merged(into: Set<string> | null, from: Set<string>): Set<string> {
  if (into === null) return from;
  for (const m of from) into.add(m);
  return into;
}
