/**
 * Errors the gateway answers itself. Each code is stable: clients and dashboards key on it.
 * code-docs.ts gives each code's meaning and fix (docs/reference/errors.md).
 */
export const ErrorCode = {
  BAD_REQUEST: 400,
  REQUEST_INVALID: 400,
  PATH_REJECTED: 400,
  AMBIGUOUS_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TIER_REQUIRED: 403,
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  URI_TOO_LONG: 414,
  CONFIG_INVALID: 422,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  PLUGIN_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  PLUGIN_TIMEOUT: 504,
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
 * Seed 004's `error` text in the envelope: what went wrong, in a few words, before the details
 * of `message`. A tier gate's message is already the seed's sentence ("Module 'x' requires
 * 'pro' tier. Your tier: 'free'"), so it is used as it is.
 */
const SUMMARY: Readonly<Record<Exclude<ErrorCodeName, 'TIER_REQUIRED'>, string>> = {
  BAD_REQUEST: 'Bad request',
  REQUEST_INVALID: 'Request does not match the API description',
  PATH_REJECTED: 'Request path rejected',
  AMBIGUOUS_REQUEST: 'Ambiguous request',
  UNAUTHORIZED: 'Invalid authentication credentials',
  FORBIDDEN: 'Insufficient permissions',
  ROUTE_NOT_FOUND: 'Route not found',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  REQUEST_TIMEOUT: 'Request timeout',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  URI_TOO_LONG: 'Request URI too long',
  CONFIG_INVALID: 'Invalid configuration',
  UPGRADE_REQUIRED: 'Upgrade required',
  RATE_LIMITED: 'Rate limit exceeded',
  HEADERS_TOO_LARGE: 'Request headers too large',
  INTERNAL_ERROR: 'Internal server error',
  PLUGIN_ERROR: 'Plugin failed',
  PLUGIN_TIMEOUT: 'Plugin timeout',
  BAD_GATEWAY: 'Bad gateway',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  UPSTREAM_TIMEOUT: 'Upstream timeout',
};

/**
 * The JSON body of a gateway-generated error. Plain: `{error: CODE, message, ...}`. With
 * `envelope` (the `response_envelope` option, never on the admin API): seed 004's
 * `{success: false, error: <summary>, code: CODE, message, ...}`; the stable code stays in the
 * body, since clients key on it.
 */
export function errorBody(
  err: GatewayError,
  requestId: string,
  envelope = false,
  upstream = '',
): string {
  const service = upstream !== '' && UPSTREAM_FAILURES.has(err.code) ? upstream : undefined;
  if (!envelope) {
    return JSON.stringify({
      error: err.code,
      message: err.message,
      status_code: err.status,
      service,
      request_id: requestId,
      timestamp: new Date().toISOString(),
      problems: err.problems,
    });
  }
  return JSON.stringify({
    success: false,
    error: err.code === 'TIER_REQUIRED' ? err.message : SUMMARY[err.code],
    code: err.code,
    message: err.message,
    status_code: err.status,
    service,
    timestamp: new Date().toISOString(),
    request_id: requestId,
    problems: err.problems,
  });
}
