import { auth } from './auth/auth-factory.js';
import { authorization } from './authorization/authorization-factory.js';
import { contextHeaders } from './context-headers/context-headers-factory.js';
import { cors } from './cors/cors-factory.js';
import type { FilterFactory } from './filter-factory.js';
import { ipFilter } from './ip-filter/ip-filter-factory.js';
import {
  pluginsAfterAuth,
  pluginsBeforeAuth,
  pluginsBeforeUpstream,
} from './plugins/plugin-factory.js';
import { rateLimit } from './rate-limit/rate-limit-factory.js';
import { requestHeaders } from './request-headers/request-headers-factory.js';
import { requiredQuery } from './required-query/required-query.js';
import { securityHeaders } from './security-headers/security-headers-factory.js';

/**
 * Every filter a route can have (users' plugins in three places: see plugin-api.ts's phases), in the order its request steps run (response steps run in
 * reverse). A new filter is a folder under filters/ and one line here. The terminal step (proxy,
 * direct response, a built-in handler) comes after the last one.
 */
export const BUILT_IN_FILTERS: readonly FilterFactory[] = [
  ipFilter,
  cors,
  pluginsBeforeAuth,
  auth,
  authorization,
  contextHeaders,
  pluginsAfterAuth,
  rateLimit,
  securityHeaders,
  requiredQuery,
  requestHeaders,
  pluginsBeforeUpstream,
];
