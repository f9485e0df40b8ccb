import { corsSettings } from '../access-control-settings.js';
import type { Exchange } from '../../data-plane/exchange.js';
import type { RequestStep, ResponseStep } from '../../data-plane/filter-chain.js';
import { statusLine } from '../../data-plane/respond.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FilterFactory } from '../filter-factory.js';
import { createCors } from './cors.js';

const NO_BODY = Buffer.alloc(0);
const NO_CONTENT = statusLine(204);

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
function isPreflight(ex: Exchange): boolean {
  return (
    ex.method === 'OPTIONS' &&
    !!ex.origin &&
    ex.header('access-control-request-method') !== undefined
  );
}

function ownsCorsHeader(name: string): boolean {
  return name.startsWith('access-control-');
}

/**
 * The route's CORS policy (its own, or middleware.cors): preflights are answered here, and every
 * other response gets the policy's headers instead of the upstream's Access-Control-* headers.
 */
export const cors: FilterFactory = {
  name: 'cors',
  build({ route, table }) {
    const policy =
      route.cors === false
        ? null
        : route.cors === undefined
          ? table.globalCors
          : createCors(corsSettings(route.cors));
    if (policy === null) return null;
    const answerPreflight: RequestStep = (ex) => {
      if (ex.method !== 'OPTIONS') return null;
      const answer = policy.preflight(
        ex.origin,
        ex.header('access-control-request-method'),
        ex.header('access-control-request-headers'),
      );
      if (answer === null || answer instanceof GatewayError) return answer;
      return { status: NO_CONTENT, statusCode: 204, headers: answer.headers, body: NO_BODY };
    };
    const addCorsHeaders: ResponseStep = (ex, head) => {
      if (isPreflight(ex)) return;
      const headers = policy.actual(ex.origin);
      for (let i = 0; i < headers.length; i++) {
        const [name, value] = headers[i] as readonly [string, string];
        head.add(name, value);
      }
    };
    return {
      descriptions: ['cors'],
      request: answerPreflight,
      response: addCorsHeaders,
      ownsResponseHeader: ownsCorsHeader,
      upstreamHeaders: null,
    };
  },
};
