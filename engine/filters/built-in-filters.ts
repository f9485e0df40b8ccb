import { auth } from './auth/auth-factory.js';
import { cache } from './cache/cache-factory.js';
import { compression } from './compression/compression-factory.js';
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
import { openApiValidation } from './openapi-validation/openapi-validation-factory.js';
import { rateLimit } from './rate-limit/rate-limit-factory.js';
import { requestHeaders } from './request-headers/request-headers-factory.js';
import { requiredQuery } from './required-query/required-query.js';
import { responseHeaders } from './response-headers/response-headers-factory.js';
import { securityHeaders } from './security-headers/security-headers-factory.js';
import { socketOrigin } from './socket-origin/socket-origin-factory.js';

/**
 * Every filter a route can have, in the order its request steps run (response steps run in
 * reverse); users' plugins come in at three places, their phases (plugins/plugin-api.ts). A new
 * filter is a folder under filters/ and one line here. The terminal step (proxy, direct
 * response, a built-in handler) comes after the last one.
 */
export const BUILT_IN_FILTERS: readonly FilterFactory[] = [
  // No request steps: first so that their response steps run last. Compression reads the
  // headers every other filter has left, the route's own response_headers included.
  compression,
  responseHeaders,
  ipFilter,
  socketOrigin,
  cors,
  pluginsBeforeAuth,
  auth,
  authorization,
  contextHeaders,
  pluginsAfterAuth,
  rateLimit,
  securityHeaders,
  requiredQuery,
  // The client's request as it came, before request_headers edits it; after every access check.
  openApiValidation,
  requestHeaders,
  // After every check and limit; before the plugins of before_upstream, which a hit skips since
  // no upstream is asked.
  cache,
  pluginsBeforeUpstream,
];
