import type { RouteOrigin } from '../compile/compiled-route.js';
import { authRequirement } from '../config/access-control-settings.js';
import type { RouteConfig } from '../config/gateway-config.js';
import type { Exchange } from '../data-plane/exchange.js';
import { sendJson } from '../identity/json-exchange.js';

/** What the catalog tells about a route: never its upstream, host conditions or secrets. */
export interface CatalogItem {
  name: string;
  path: string;
  /** Null: any method. */
  methods: readonly string[] | null;
  required_tier: string | null;
  auth_required: boolean;
  origin: RouteOrigin;
}

/**
 * Seed 004's `GET /modules`: the routes whose path starts with a prefix, as a list response
 * `{total, items}` in config order (the file's routes, then the runtime ones). Routes are added
 * while the table compiles and the list is sealed with it; a reload or a runtime route change
 * builds a new table and with it a new list, so nothing is looked up per request.
 */
export class RouteCatalog {
  private readonly items: CatalogItem[] = [];
  private body: { total: number; items: readonly CatalogItem[] } = { total: 0, items: [] };

  constructor(readonly prefix: string) {}

  consider(rc: RouteConfig, name: string, origin: RouteOrigin): void {
    if (!rc.path.startsWith(this.prefix)) return;
    this.items.push({
      name,
      path: rc.path,
      methods: rc.methods ?? null,
      required_tier: rc.required_tier ?? null,
      auth_required: authRequirement(rc) !== undefined,
      origin,
    });
  }

  seal(): void {
    this.body = Object.freeze({ total: this.items.length, items: Object.freeze(this.items) });
  }

  readonly handle = (ex: Exchange): void => {
    sendJson(ex, 200, this.body);
  };
}
