// @ts-check
// A demo upstream that answers every request with what it saw: its own name, the method, the
// path and query, and the headers the gateway adds. The quickstart and canary examples use it.
import { startJsonService } from './json-service.mjs';

/** Headers worth showing: what the gateway added or passed on. */
const SHOWN = /^(x-request-id|x-forwarded-.*|x-user-.*|x-client-id|x-auth-method|x-canary)$/;

/**
 * @param {string} name Answered as `service`, so a split shows which upstream took a request.
 * @param {{ port?: number }} [options]
 */
export function startEchoService(name, options = {}) {
  return startJsonService((req) => {
    if (req.path === '/health') return { status: 200, body: { status: 'ok', service: name } };
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([key]) => SHOWN.test(key)),
    );
    return {
      status: 200,
      body: {
        service: name,
        method: req.method,
        path: req.path,
        query: Object.fromEntries(req.query),
        headers,
        ...(req.body === null ? {} : { received: req.body }),
      },
    };
  }, options);
}
