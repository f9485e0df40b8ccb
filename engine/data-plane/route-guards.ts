import type { ClientAddress } from '../compile/client-address.js';
import type { RouteHandler } from '../compile/compiled-route.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Authorizer } from '../filters/auth/authorize.js';
import type { ContextHeaders } from '../filters/auth/context-headers.js';
import type { Identity } from '../filters/auth/identity.js';
import type { Cors } from '../filters/cors.js';
import type { IpFilter } from '../filters/ip-filter.js';
import type { Exchange } from './exchange.js';
import type { RateLimitStep } from './rate-limit-step.js';
import { discardRequestBody, holdRequestBody } from './request-body.js';
import { sendError, sendPrepared, statusLine } from './respond.js';

export type Authenticate = (ex: Exchange) => Promise<Identity | GatewayError>;

/** A route's checks before its terminal step; each is null when the route does not use it. */
export interface RouteGuards {
  clientAddress: ClientAddress;
  ipFilter: IpFilter | null;
  cors: Cors | null;
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  authenticate: Authenticate | null;
  authorize: Authorizer | null;
  /** Builds the identity headers sent upstream; null on routes without auth. */
  contextHeaders: ContextHeaders | null;
  rateLimit: RateLimitStep | null;
  /** A refused request's body is read and dropped up to this size, so the client reads the answer. */
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** A check that failed unexpectedly (a bug, not a refusal): logged, answered with a 500. */
  onInternalError: (err: unknown, ex: Exchange) => void;
}

const ADDRESS_REFUSED = new GatewayError('FORBIDDEN', 'requests from this address are not allowed');
const INTERNAL = new GatewayError('INTERNAL_ERROR', 'the gateway failed to check this request');
const NO_BODY = Buffer.alloc(0);

/**
 * Runs a route's checks in the order of the request pipeline (IP filter, CORS, auth, roles and
 * tier, rate limit, context headers) and then `next`. Steps a route does not use cost nothing;
 * a route with no asynchronous check runs `next` in the same call.
 */
export function createGuardedHandler(g: RouteGuards, next: RouteHandler): RouteHandler {
  const { ipFilter, cors, securityHeaders, authenticate, authorize, contextHeaders, rateLimit } = g;
  const asynchronous = authenticate !== null || rateLimit !== null;

  async function check(ex: Exchange): Promise<GatewayError | null> {
    if (authenticate !== null) {
      const identity = await authenticate(ex);
      if (identity instanceof GatewayError) return identity;
      ex.identity = identity;
      const refused = authorize?.(identity) ?? null;
      if (refused !== null) return refused;
      if (contextHeaders !== null) {
        const headers = contextHeaders.build(identity);
        if (headers instanceof GatewayError) return headers;
        ex.identityHeaders = headers.flat();
      }
    }
    return rateLimit === null ? null : rateLimit(ex);
  }

  return function guarded(ex, params, wildcard) {
    ex.defaultHeaders = securityHeaders;
    if (ipFilter !== null && !ipFilter(g.clientAddress(ex))) {
      sendError(ex, ADDRESS_REFUSED);
      return;
    }
    if (cors !== null) {
      const origin = ex.header('origin');
      if (ex.method === 'OPTIONS') {
        const preflight = cors.preflight(
          origin,
          ex.header('access-control-request-method'),
          ex.header('access-control-request-headers'),
        );
        if (preflight instanceof GatewayError) {
          sendError(ex, preflight);
          return;
        }
        if (preflight !== null) {
          sendPrepared(ex, {
            status: statusLine(204),
            statusCode: 204,
            headers: preflight.headers,
            body: NO_BODY,
          });
          return;
        }
      }
      ex.addResponseHeaders(cors.actual(origin));
      ex.ownsCors = true;
    }
    if (!asynchronous) {
      next(ex, params, wildcard);
      return;
    }
    if (ex.hasBody) holdRequestBody(ex);
    // The continuation runs outside uWS's callback: a throw there would be an unhandled
    // rejection, which ends the process, so it is caught and answered like a failed check.
    check(ex)
      .then((refusal) => {
        if (ex.aborted || ex.finished) return;
        if (refusal === null) next(ex, params, wildcard);
        else if (ex.heldBody === null || ex.heldBody.last) sendError(ex, refusal);
        else {
          discardRequestBody(ex, g.maxBodyBytes, g.requestTimeoutMs, () => sendError(ex, refusal));
        }
      })
      .catch((err: unknown) => {
        g.onInternalError(err, ex);
        sendError(ex, INTERNAL);
      });
  };
}
