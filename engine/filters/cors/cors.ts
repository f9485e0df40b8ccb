import { GatewayError } from '../../errors/gateway-error.js';
import { isHttpToken } from '../is-http-token.js';
import { checkOriginPattern, createOriginMatcher } from './origin-matcher.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface CorsSettings {
  /** Exact origins, wildcard subdomains (`https://*.example.com`) or `'*'`; see origin-matcher.ts. */
  allowedOrigins: readonly string[];
  /** Methods a preflight may ask for, or `['*']` for any. Default GET, HEAD, PUT, POST, DELETE, PATCH. */
  allowedMethods?: readonly string[];
  /** Request headers a preflight may ask for (any case), or `['*']` for any. Default none. */
  allowedHeaders?: readonly string[];
  /** Response headers the browser lets scripts read. Default none. */
  exposedHeaders?: readonly string[];
  /** Cookies and HTTP auth may be sent. Never with the origin `'*'`. Default false. */
  allowCredentials?: boolean;
  /** How long the browser may cache a preflight answer. Default: no Access-Control-Max-Age. */
  maxAgeSeconds?: number;
}

export interface CorsPreflightAnswer {
  status: 204;
  headers: HeaderList;
}

export interface Cors {
  /**
   * For an OPTIONS request. `requestMethod` and `requestHeaders` are the values of
   * Access-Control-Request-Method and Access-Control-Request-Headers.
   * - null: not a CORS preflight (no Origin or no Access-Control-Request-Method); let the request
   *   go on as any OPTIONS request.
   * - a 204 answer: the preflight is allowed; send it as it is, the request ends here.
   * - a GatewayError (FORBIDDEN, 403): the origin, method or a header is not allowed. It carries no
   *   Access-Control-* header, only Vary when the answer depends on the request.
   */
  preflight(
    origin: string | undefined,
    requestMethod: string | undefined,
    requestHeaders: string | undefined,
  ): CorsPreflightAnswer | GatewayError | null;
  /**
   * Headers to add to any other response, proxied or answered by the gateway. Names are in lower
   * case. A missing or disallowed origin gets no Access-Control-* header; it still gets
   * `vary: Origin` when the policy lists origins, so that a shared cache never hands a response
   * without CORS headers to an allowed origin. The upstream's own `access-control-*` headers
   * should be dropped on a route with CORS; a `vary` header may be written next to the upstream's.
   */
  actual(origin: string | undefined): HeaderList;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'];
/** Browsers send these without asking, whatever Access-Control-Allow-Methods says. */
const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** Configuration errors, one sentence each; an empty list means createCors will accept them. */
export function checkCorsSettings(settings: CorsSettings): string[] {
  const problems: string[] = [];
  const origins = settings.allowedOrigins;
  if (origins.length === 0) {
    problems.push('no allowed origin is listed: every cross-origin request would be refused');
  }
  for (const origin of origins) {
    const problem = checkOriginPattern(origin);
    if (problem !== null) problems.push(problem);
  }
  if (settings.allowCredentials && origins.includes('*')) {
    problems.push(
      'credentials cannot be allowed for the origin "*": browsers reject that answer (Fetch standard), and echoing any origin with credentials would let every site act as the user; list the origins instead',
    );
  }
  checkTokens(problems, 'allowed method', settings.allowedMethods ?? [], true);
  checkTokens(problems, 'allowed header', settings.allowedHeaders ?? [], true);
  checkTokens(
    problems,
    'exposed header',
    settings.exposedHeaders ?? [],
    !settings.allowCredentials,
  );
  const maxAge = settings.maxAgeSeconds;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
    problems.push(`max age ${maxAge} is not a whole number of seconds, 0 or more`);
  }
  return problems;
}

function checkTokens(
  problems: string[],
  what: string,
  names: readonly string[],
  starAllowed: boolean,
): void {
  for (const name of names) {
    if (name === '*' && !starAllowed) {
      problems.push(
        `${what} "*" is not a wildcard when credentials are allowed (Fetch standard); list the header names`,
      );
    } else if (name !== '*' && !isHttpToken(name)) {
      problems.push(`${what} "${name}" is not a valid HTTP token`);
    }
  }
}

/** Builds the CORS policy once; throws when checkCorsSettings reports a problem. */
export function createCors(settings: CorsSettings): Cors {
  const problems = checkCorsSettings(settings);
  if (problems.length > 0) throw new Error(`invalid CORS settings: ${problems.join('; ')}`);

  const isAllowedOrigin = createOriginMatcher(settings.allowedOrigins);
  const anyOrigin = settings.allowedOrigins.includes('*');
  const credentials = settings.allowCredentials === true;
  const methods = (settings.allowedMethods ?? DEFAULT_METHODS).map((m) => m.toUpperCase());
  const anyMethod = methods.includes('*');
  const methodSet = new Set(methods);
  const headers = (settings.allowedHeaders ?? []).map((h) => h.toLowerCase());
  const anyHeader = headers.includes('*');
  const headerSet = new Set(headers);
  const exposed = settings.exposedHeaders ?? [];

  // Everything that does not depend on the request, joined once.
  const vary = [
    ...(anyOrigin ? [] : ['Origin']),
    ...(anyMethod ? ['Access-Control-Request-Method'] : []),
    ...(anyHeader ? ['Access-Control-Request-Headers'] : []),
  ].join(', ');
  const preflightVary: HeaderList = vary === '' ? [] : [['vary', vary]];
  const preflightTail: HeaderList = [
    ...preflightVary,
    ...(credentials ? [['access-control-allow-credentials', 'true'] as const] : []),
    ...(anyMethod ? [] : [['access-control-allow-methods', methods.join(', ')] as const]),
    ...(anyHeader || headers.length === 0
      ? []
      : [['access-control-allow-headers', headers.join(', ')] as const]),
    ...(settings.maxAgeSeconds === undefined
      ? []
      : [['access-control-max-age', String(settings.maxAgeSeconds)] as const]),
  ];
  const exposeHeader: HeaderList =
    exposed.length === 0 ? [] : [['access-control-expose-headers', exposed.join(', ')]];
  // Read only when origins are listed: with "*" the answer never depends on the Origin.
  const varyOrigin: HeaderList = [['vary', 'Origin']];
  const actualTail: HeaderList = [
    ...varyOrigin,
    ...(credentials ? [['access-control-allow-credentials', 'true'] as const] : []),
    ...exposeHeader,
  ];
  // With "*" (never with credentials) the answer is the same for every request, Origin or not.
  const anyOriginHeaders: HeaderList = [['access-control-allow-origin', '*'], ...exposeHeader];

  function refuse(reason: string): GatewayError {
    return new GatewayError('FORBIDDEN', `CORS preflight refused: ${reason}`, preflightVary);
  }

  return {
    preflight: function corsPreflight(origin, requestMethod, requestHeaders) {
      if (!origin || requestMethod === undefined) return null;
      if (!isAllowedOrigin(origin)) return refuse(`origin ${origin} is not allowed`);
      if (
        !(anyMethod ? isHttpToken(requestMethod) : methodSet.has(requestMethod)) &&
        !SAFELISTED_METHODS.has(requestMethod)
      ) {
        return refuse(`method ${requestMethod} is not allowed`);
      }
      const requested: string[] = [];
      if (requestHeaders !== undefined) {
        for (const part of requestHeaders.split(',')) {
          const name = part.trim().toLowerCase();
          if (name === '') continue;
          if (anyHeader ? !isHttpToken(name) : !headerSet.has(name)) {
            return refuse(`request header ${name} is not allowed`);
          }
          requested.push(name);
        }
      }
      const answer: Array<readonly [string, string]> = [
        ['access-control-allow-origin', anyOrigin ? '*' : origin],
      ];
      if (anyMethod) answer.push(['access-control-allow-methods', requestMethod]);
      if (anyHeader && requested.length > 0) {
        answer.push(['access-control-allow-headers', requested.join(', ')]);
      }
      answer.push(...preflightTail);
      return { status: 204, headers: answer };
    },
    actual: anyOrigin
      ? function corsAnyOrigin() {
          return anyOriginHeaders;
        }
      : function corsListedOrigin(origin) {
          if (!origin || !isAllowedOrigin(origin)) return varyOrigin;
          return [['access-control-allow-origin', origin], ...actualTail];
        },
  };
}
