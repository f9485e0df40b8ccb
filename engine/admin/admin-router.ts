import { parsePathPattern } from '../router/path-pattern.js';
import { SegmentTrie } from '../router/segment-trie.js';
import type { AdminHandler, AdminResource } from './admin-http.js';

export type AdminMatch =
  | { found: true; handler: AdminHandler; params: string[] }
  | { found: false; allowed: ReadonlySet<string> };

/** The admin endpoints in the data plane's segment trie: {param} captures, 405 with Allow. */
export class AdminRouter {
  private readonly trie = new SegmentTrie<AdminHandler>();

  constructor(resources: readonly AdminResource[]) {
    for (const resource of resources) {
      for (const [method, path, handler] of resource) {
        if (this.trie.add(parsePathPattern(path), path, [method], handler) !== null) {
          throw new Error(`admin endpoint ${method} ${path} is defined twice`);
        }
      }
    }
  }

  match(method: string, path: string): AdminMatch {
    const hit = this.trie.match(method, path);
    return hit.found
      ? { found: true, handler: hit.value, params: hit.params }
      : { found: false, allowed: hit.allowed };
  }
}
