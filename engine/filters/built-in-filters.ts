import { auth } from './auth/auth-factory.js';
import { authorization } from './authorization/authorization-factory.js';
import { contextHeaders } from './context-headers/context-headers-factory.js';
import { cors } from './cors/cors-factory.js';
import type { FilterFactory } from './filter-factory.js';
import { ipFilter } from './ip-filter/ip-filter-factory.js';
import { rateLimit } from './rate-limit/rate-limit-factory.js';
import { requestHeaders } from './request-headers/request-headers-factory.js';
import { requiredQuery } from './required-query/required-query.js';
import { securityHeaders } from './security-headers/security-headers-factory.js';
import { socketOrigin } from './socket-origin/socket-origin-factory.js';

/**
 * Every filter a route can have, in the order its request steps run (response steps run in
 * reverse). A new filter is a folder under filters/ and one line here. The terminal step (proxy,
 * direct response, a built-in handler) comes after the last one.
 */
export const BUILT_IN_FILTERS: readonly FilterFactory[] = [
  ipFilter,
  socketOrigin,
  cors,
  auth,
  authorization,
  contextHeaders,
  rateLimit,
  securityHeaders,
  requiredQuery,
  requestHeaders,
];
