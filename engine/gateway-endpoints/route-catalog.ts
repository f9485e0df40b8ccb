import type { RouteOrigin } from '../data-plane/compiled-route.js';
import { authRequirement } from '../filters/access-control-settings.js';
import type { RouteConfig } from '../config/gateway-config.js';
import type { Exchange } from '../data-plane/exchange.js';
import { sendJson } from '../data-plane/generated-json.js';

/** What the catalog tells about a route: never its upstream, host conditions or secrets. */
export interface CatalogItem {
  name: string;
  /** The route's display_name and category, when it has them. */
  display_name?: string;
  category?: string;
  path: string;
  /** Null: any method. */
  methods: readonly string[] | null;
  required_tier: string | null;
  auth_required: boolean;
  origin: RouteOrigin;
}

/** A route's display name and category, where it has them. */
export interface RouteLabel {
  display_name?: string;
  category?: string;
}

/** The label of a route config: only the keys it sets. */
export function routeLabel(rc: RouteConfig): RouteLabel {
  return {
    ...(rc.display_name === undefined ? {} : { display_name: rc.display_name }),
    ...(rc.category === undefined ? {} : { category: rc.category }),
  };
}

export interface CatalogRoute {
  rc: RouteConfig;
  name: string;
  origin: RouteOrigin;
}

/**
 * Seed 004's `GET /modules`: the routes whose path starts with a prefix, as a list response
 * `{total, items}` in config order (the file's routes, then the runtime ones). The list is made
 * once the table has all its routes; a reload or a runtime route change builds a new table and
 * with it a new list, so nothing is looked up per request.
 */
export class RouteCatalog {
  private body: { total: number; items: readonly CatalogItem[] } = { total: 0, items: [] };

  constructor(readonly prefix: string) {}

  /** Fixes the list from every route of the table, in the order they were added. */
  seal(routes: readonly CatalogRoute[]): void {
    const items = routes
      .filter(({ rc }) => rc.path.startsWith(this.prefix))
      .map(({ rc, name, origin }) => ({
        name,
        ...routeLabel(rc),
        path: rc.path,
        methods: rc.methods ?? null,
        required_tier: rc.required_tier ?? null,
        auth_required: authRequirement(rc) !== undefined,
        origin,
      }));
    this.body = Object.freeze({ total: items.length, items: Object.freeze(items) });
  }

  readonly handle = (ex: Exchange): void => {
    sendJson(ex, 200, this.body);
  };
}
