/**
 * Errors the gateway answers itself. Each code is stable: clients and dashboards key on it.
 * The README's table gives each code's meaning and fix.
 */
export const ErrorCode = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TIER_REQUIRED: 403,
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  CONFIG_INVALID: 422,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

export class GatewayError extends Error {
  readonly code: ErrorCodeName;
  readonly status: number;
  /** Extra response headers, such as Allow on 405. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** What is wrong, item by item (config problems from the admin API); in the body when set. */
  readonly problems: readonly unknown[] | undefined;

  constructor(
    code: ErrorCodeName,
    message: string,
    headers: ReadonlyArray<readonly [string, string]> = [],
    problems?: readonly unknown[],
  ) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ErrorCode[code];
    this.headers = headers;
    this.problems = problems;
  }
}

/** Codes that mean the upstream failed, rather than the request or the gateway. */
const UPSTREAM_FAILURES: ReadonlySet<ErrorCodeName> = new Set([
  'BAD_GATEWAY',
  'UPSTREAM_TIMEOUT',
  'SERVICE_UNAVAILABLE',
]);

/**
 * The one JSON body shape of every gateway-generated error. `upstream` is the name of the
 * upstream the request was being proxied to ('' before one was chosen): an upstream failure
 * names it as `service` (seed 003), never its address.
 */
export function errorBody(err: GatewayError, requestId: string, upstream = ''): string {
  return JSON.stringify({
    error: err.code,
    message: err.message,
    status_code: err.status,
    service: upstream !== '' && UPSTREAM_FAILURES.has(err.code) ? upstream : undefined,
    request_id: requestId,
    timestamp: new Date().toISOString(),
    problems: err.problems,
  });
}
