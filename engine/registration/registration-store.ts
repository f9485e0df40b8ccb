import type { RouteConfig } from '../config/gateway-config.js';
import type { StoredRuntimeRoute } from '../config/runtime-route.js';

/**
 * The runtime routes the registration endpoints write to: the admin API's own set
 * (engine/runtime/runtime-routes.ts), so both share checks, store and propagation.
 */
export interface RegistrationStore {
  readonly routes: readonly StoredRuntimeRoute[];
  /** Throws a GatewayError: 409 on a clash or a taken name, 422 for an invalid route. */
  register(route: RouteConfig): Promise<unknown>;
  /** False when no runtime route has this name. */
  remove(name: string): Promise<boolean>;
}
