import type { RedirectConfig } from '../config/gateway-config.js';
import type { PathPattern } from '../router/path-pattern.js';
import type { RouteHandler } from './compiled-route.js';
import { createTemplateRewriter } from './path-rewriter.js';
import { sendPrepared, statusLine } from './respond.js';

const NO_BODY = Buffer.alloc(0);

/**
 * A redirect route's answer: `to` with the route's captures filled in, the query kept unless
 * told otherwise. The template is split once; a request joins strings. Returns the names `to`
 * uses that the route's path does not capture, for the compiler to report.
 */
export function createRedirect(
  config: RedirectConfig,
  pattern: PathPattern,
  status: number,
  keepQuery: boolean,
): RouteHandler | { unknown: string[] } {
  const target = createTemplateRewriter(config.to, pattern);
  if ('unknown' in target) return target;
  const relative = config.to.startsWith('/');
  const querySeparator = config.to.includes('?') ? '&' : '?';
  const line = statusLine(status);
  return function redirect(ex, params, wildcard) {
    let location = target(ex.path, params, wildcard);
    // A capture that starts with / would make "//host/...": another site, to a browser.
    if (relative) location = oneLeadingSlash(location);
    if (keepQuery && ex.query !== '') location += querySeparator + ex.query;
    sendPrepared(ex, {
      status: line,
      statusCode: status,
      headers: [['location', location]],
      body: NO_BODY,
    });
  };
}

function oneLeadingSlash(location: string): string {
  let i = 0;
  while (i < location.length && (location[i] === '/' || location[i] === '\\')) i++;
  return i <= 1 ? location : `/${location.slice(i)}`;
}
