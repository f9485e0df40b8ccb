import { parsePathPattern } from '../../router/path-pattern.js';
import type { RouteFilter } from '../../data-plane/filter-chain.js';
import type { FilterContext, FilterFactory } from '../filter-factory.js';
import type { PluginPhase } from './plugin-api.js';
import { pluginFilter } from './plugin-filter.js';
import type { RouteView } from './plugin-request-view.js';
import { configKeyOf, pluginNameOf } from './resolve-plugins.js';

/**
 * The route's plugins of one phase, in the order the route lists them. A name the table's plugin
 * set does not have (a runtime route overriding a config no file route uses) is an error there:
 * runtime routes are checked before they are compiled.
 */
function pluginsOf(phase: PluginPhase): FilterFactory {
  return {
    name: `plugins ${phase}`,
    build({ route, routeName, table }: FilterContext): RouteFilter[] | null {
      const uses = route.plugins;
      const set = table.plugins;
      if (uses === undefined || set === null) return null;
      let view: RouteView | null = null;
      const filters: RouteFilter[] = [];
      for (const use of uses) {
        const instance = set.instanceFor(pluginNameOf(use), configKeyOf(use));
        if (instance === undefined)
          throw new Error(`plugin "${pluginNameOf(use)}" has no instance for this config`);
        if (instance.phase !== phase) continue;
        view ??= {
          paramNames: parsePathPattern(route.path).paramNames,
          clientAddress: table.clientAddress,
          protectedHeaders: table.contextHeaders.names,
        };
        filters.push(
          pluginFilter(instance, {
            routeName,
            view,
            logger: table.logger,
            recorder: table.recorderFor(routeName),
          }),
        );
      }
      return filters.length === 0 ? null : filters;
    },
  };
}

export const pluginsBeforeAuth = pluginsOf('before_auth');
export const pluginsAfterAuth = pluginsOf('after_auth');
export const pluginsBeforeUpstream = pluginsOf('before_upstream');
