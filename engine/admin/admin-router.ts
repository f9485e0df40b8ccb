import { parsePathPattern } from '../router/path-pattern.js';
import { SegmentTrie } from '../router/segment-trie.js';
import type { AdminHandler, AdminResource } from './admin-http.js';

export type AdminMatch =
  | { found: true; handler: AdminHandler; params: string[]; endpoint: string }
  | { found: false; allowed: ReadonlySet<string> };

interface AdminEndpoint {
  handler: AdminHandler;
  /** The path pattern, as the logs and metrics name the endpoint. */
  path: string;
}

/** The admin endpoints in the data plane's segment trie: {param} captures, 405 with Allow. */
export class AdminRouter {
  private readonly trie = new SegmentTrie<AdminEndpoint>();
  /** Every endpoint as [method, path pattern]. */
  readonly endpoints: Array<readonly [string, string]> = [];

  constructor(resources: readonly AdminResource[]) {
    for (const resource of resources) {
      for (const [method, path, handler] of resource) {
        if (this.trie.add(parsePathPattern(path), path, [method], { handler, path }) !== null) {
          throw new Error(`admin endpoint ${method} ${path} is defined twice`);
        }
        this.endpoints.push([method, path]);
      }
    }
  }

  match(method: string, path: string): AdminMatch {
    const hit = this.trie.match(method, path);
    return hit.found
      ? { found: true, handler: hit.value.handler, params: hit.params, endpoint: hit.value.path }
      : { found: false, allowed: hit.allowed };
  }
}
