import { createPublicKey } from 'node:crypto';
import { HOP_BY_HOP_HEADERS } from '../data-plane/hop-by-hop-headers.js';
import { ConfigCode } from '../errors/config-codes.js';
import { checkCorsSettings } from './cors/cors.js';
import { checkIpFilterSettings } from './ip-filter/ip-filter.js';
import { parseRate } from './rate-limit/rate.js';
import { keySpecProblem } from './rate-limit/rate-limit-key.js';
import { checkSecurityHeaders } from './security-headers/security-headers.js';
import {
  authRequirement,
  configuredProviders,
  CONTEXT_FIELDS,
  contextHeaderMapping,
  corsSettings,
  jwtAlgorithms,
} from './access-control-settings.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import { suggestionHint } from '../config/did-you-mean.js';
import { formatConfigPath } from '../config/format-config-path.js';
import type {
  ContextHeadersConfig,
  CorsConfig,
  GatewayConfig,
  IpFilterConfig,
  JwtConfig,
  Rate,
  RateLimitKeyConfig,
  SecurityHeadersConfig,
} from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** Smallest HMAC key per algorithm: the hash's output size (RFC 7518 section 3.2). */
const HMAC_MIN_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** Context header names that cannot carry identity, and why. */
const RESERVED_HEADERS: ReadonlyArray<readonly [readonly string[], string]> = [
  [
    HOP_BY_HOP_HEADERS,
    'is a hop-by-hop header: it describes one connection and is never forwarded',
  ],
  [['host'], 'names the upstream host of the request'],
  [['content-length', 'expect'], 'frames the request body'],
  [
    ['x-request-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'],
    'is set by the gateway itself',
  ],
  [
    ['authorization', 'cookie', 'proxy-authorization'],
    "carries the client's credentials, which would be dropped from every request",
  ],
];

export interface CheckOptions {
  /** Epoch ms, for expiry warnings; tests fix it. */
  now?: number;
}

/**
 * Checks of auth, rate limits, CORS, security headers and IP filters that the schema cannot
 * express, on a config the schema accepted. Each problem is placed at the key it is about.
 */
export function checkAccessControl(
  config: GatewayConfig,
  options: CheckOptions = {},
): PathProblem[] {
  const problems: PathProblem[] = [];
  const jwt = config.auth?.jwt;
  if (jwt !== undefined) problems.push(...checkJwt(jwt));
  problems.push(...checkApiKeys(config, options.now ?? Date.now()));
  const contextHeaders = config.auth?.context_headers;
  if (contextHeaders !== undefined) problems.push(...checkContextHeaders(config, contextHeaders));
  problems.push(...checkRateLimiting(config));
  const middleware = config.middleware;
  if (middleware?.cors !== undefined) {
    problems.push(...checkCors(middleware.cors, ['middleware', 'cors']));
  }
  if (middleware?.security_headers !== undefined) {
    problems.push(
      ...checkSecurityHeaderBlock(middleware.security_headers, ['middleware', 'security_headers']),
    );
  }
  if (middleware?.ip_filter !== undefined) {
    problems.push(...checkIpFilter(middleware.ip_filter, ['middleware', 'ip_filter']));
  }
  problems.push(...checkRoutes(config));
  return problems;
}

function checkJwt(jwt: JwtConfig): PathProblem[] {
  const at = ['auth', 'jwt'];
  const problems: PathProblem[] = [];
  const sources = (['secret', 'public_key', 'jwks_url'] as const).filter(
    (key) => jwt[key] !== undefined,
  );
  const algorithms = jwtAlgorithms(jwt);
  const hmac = algorithms.filter((alg) => alg in HMAC_MIN_BYTES);
  if (sources.length === 0) {
    problems.push({
      ...error(ConfigCode.JWT, at),
      message: 'auth.jwt has no key to verify tokens with',
      hint: 'add secret: "${JWT_SECRET}" for HS256, or public_key or jwks_url for RS256, ES256 and the other public-key algorithms',
      atKey: true,
    });
  } else if (sources.length > 1) {
    problems.push({
      ...error(ConfigCode.JWT, [...at, sources[1] as string]),
      message: `auth.jwt has both ${sources[0]} and ${sources[1]}`,
      hint: 'keep one key source: secret (HS256, HS384, HS512), public_key or jwks_url (RS256, ES256, ...)',
      atKey: true,
    });
  }
  if (jwt.algorithm !== undefined && jwt.algorithms !== undefined) {
    problems.push({
      ...error(ConfigCode.JWT, [...at, 'algorithms']),
      message: 'auth.jwt has both algorithm and algorithms',
      hint: `keep one: algorithms: [${[...new Set([jwt.algorithm, ...jwt.algorithms])].join(', ')}]`,
      atKey: true,
    });
  } else if (algorithms.length === 0) {
    const example = jwt.secret !== undefined ? 'algorithm: HS256' : 'algorithms: [RS256]';
    problems.push({
      ...error(ConfigCode.JWT, at),
      message: 'auth.jwt names no algorithm to accept',
      hint: `add ${example}; the token's own alg header is never trusted to choose`,
      atKey: true,
    });
  }
  const source = sources.length === 1 ? sources[0] : undefined;
  if (source === 'secret') {
    const asymmetric = algorithms.filter((alg) => !(alg in HMAC_MIN_BYTES));
    if (asymmetric.length > 0) {
      problems.push({
        ...error(ConfigCode.JWT, algorithmPath(jwt, asymmetric[0] as string)),
        message: `auth.jwt: ${asymmetric.join(', ')} cannot be verified with a secret, which verifies HS256, HS384 and HS512 only`,
        hint: `use public_key or jwks_url for ${asymmetric.join(', ')}, or an HS algorithm with the secret; mixing HMAC and public-key algorithms on one key is refused by design (algorithm confusion)`,
      });
    } else {
      problems.push(...checkSecretLength(jwt.secret as string, hmac));
    }
  } else if (source !== undefined && hmac.length > 0) {
    problems.push({
      ...error(ConfigCode.JWT, algorithmPath(jwt, hmac[0] as string)),
      message: `auth.jwt: ${hmac.join(', ')} with ${source} would use a public key as an HMAC secret, so anyone holding the public key could sign tokens`,
      hint: `refused by design (HS/RS algorithm confusion): list only RS*, PS*, ES* or EdDSA algorithms with ${source}, or use secret for ${hmac.join(', ')}`,
    });
  }
  if (source === 'public_key') problems.push(...checkPublicKey(jwt.public_key as string));
  return problems;
}

/** Where an algorithm is written: `algorithm`, or its item of `algorithms`. */
function algorithmPath(jwt: JwtConfig, alg: string): ConfigPath {
  const index = jwt.algorithms?.indexOf(alg as never) ?? -1;
  return index >= 0 ? ['auth', 'jwt', 'algorithms', index] : ['auth', 'jwt', 'algorithm'];
}

function checkSecretLength(secret: string, hmac: readonly string[]): PathProblem[] {
  const bytes = Buffer.byteLength(secret, 'utf8');
  const strongest = hmac.reduce<string | undefined>(
    (best, alg) =>
      best === undefined || (HMAC_MIN_BYTES[alg] ?? 0) > (HMAC_MIN_BYTES[best] ?? 0) ? alg : best,
    undefined,
  );
  const needed = strongest === undefined ? 0 : (HMAC_MIN_BYTES[strongest] ?? 0);
  if (bytes >= needed) return [];
  return [
    {
      severity: 'warning',
      code: ConfigCode.WEAK_SECRET,
      // The secret itself is never quoted: messages reach logs.
      message: `auth.jwt.secret is ${bytes} byte${bytes === 1 ? '' : 's'} long; ${strongest} needs at least ${needed} (RFC 7518 section 3.2)`,
      hint: `a short HMAC secret can be guessed offline from any token signed with it; generate one with \`openssl rand -base64 ${needed}\``,
      path: ['auth', 'jwt', 'secret'],
    },
  ];
}

function checkPublicKey(pem: string): PathProblem[] {
  const at = ['auth', 'jwt', 'public_key'];
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    return [
      {
        ...error(ConfigCode.JWT, at),
        message: 'auth.jwt.public_key is a private key',
        hint: 'give the public key only (`openssl pkey -in key.pem -pubout` prints it), and keep the private key with the token issuer',
      },
    ];
  }
  let bits: number | undefined;
  try {
    const key = createPublicKey(pem);
    bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    return [
      {
        ...error(ConfigCode.JWT, at),
        message: 'auth.jwt.public_key is not a PEM public key or certificate',
        hint: 'paste the whole block from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----, as a YAML block scalar (public_key: |)',
      },
    ];
  }
  if (bits !== undefined && bits < 2048) {
    return [
      {
        ...error(ConfigCode.JWT, at),
        message: `auth.jwt.public_key is a ${bits}-bit RSA key; at least 2048 bits are required`,
        hint: 'have the token issuer sign with a 2048-bit (or larger) RSA key, or an EC or Ed25519 key',
      },
    ];
  }
  return [];
}

function checkApiKeys(config: GatewayConfig, now: number): PathProblem[] {
  const apiKeys = config.auth?.api_keys;
  if (apiKeys === undefined) return [];
  const at = ['auth', 'api_keys'];
  const problems: PathProblem[] = [];
  if (apiKeys.store === 'redis' && config.redis === undefined) {
    problems.push({
      ...error(ConfigCode.REDIS_REQUIRED, [...at, 'store']),
      message: 'auth.api_keys.store is redis, but there is no top-level redis block',
      hint: 'add redis: { url: "redis://host:6379" }, or store: memory to keep managed keys on this instance only',
    });
  }
  const tiers = config.auth?.tiers;
  const keys = apiKeys.keys ?? [];
  keys.forEach((key, j) => {
    const keyAt = [...at, 'keys', j];
    const label = `API key "${key.name}"`;
    const sameName = keys.findIndex((other) => other.name === key.name);
    if (sameName < j) {
      problems.push({
        ...error(ConfigCode.API_KEY, [...keyAt, 'name']),
        message: `${label} is listed twice (also auth.api_keys.keys[${sameName}])`,
        hint: "give each key its own name: the name is the caller's identity",
      });
    }
    const sameHash = keys.findIndex((other) => other.hash === key.hash);
    if (sameHash < j) {
      problems.push({
        ...error(ConfigCode.API_KEY, [...keyAt, 'hash']),
        message: `${label} has the same hash as "${keys[sameHash]?.name}" (auth.api_keys.keys[${sameHash}])`,
        hint: "one key under two names would make the caller's identity depend on the order of the list; give each key its own secret",
      });
    }
    if (key.expires !== undefined) {
      const expiresAt = parseExpiry(key.expires);
      if (expiresAt === undefined) {
        problems.push({
          ...error(ConfigCode.API_KEY, [...keyAt, 'expires']),
          message: `${label}: "${key.expires}" is not a date on the calendar`,
          hint: 'write a real date, e.g. "2027-01-31" or "2027-01-31T12:00:00Z"',
        });
      } else if (expiresAt <= now) {
        problems.push({
          severity: 'warning',
          code: ConfigCode.API_KEY_EXPIRED,
          message: `${label} expired on ${key.expires}; it is refused with 401`,
          hint: 'remove the key, or move its expiry date',
          path: [...keyAt, 'expires'],
        });
      }
    }
    if (key.tier !== undefined && tiers !== undefined && !tiers.includes(key.tier)) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.UNKNOWN_TIER,
        message: `${label} has tier "${key.tier}", which is not one of auth.tiers; it ranks below every tier`,
        hint: suggestionHint(key.tier, tiers, 'tiers'),
        path: [...keyAt, 'tier'],
      });
    }
  });
  return problems;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Epoch ms of an expiry the schema's pattern accepted, or undefined when it is not a real date. */
function parseExpiry(text: string): number | undefined {
  const [, year, month, day] = DATE.exec(text) ?? [];
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.parse("2027-02-30") rolls over to March 2; a real date reads back the same.
  if (date.toISOString().slice(0, 10) !== `${year}-${month}-${day}`) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function checkContextHeaders(
  config: GatewayConfig,
  configured: ContextHeadersConfig,
): PathProblem[] {
  const at = ['auth', 'context_headers'];
  const problems: PathProblem[] = [];
  const mapping = contextHeaderMapping(configured);
  const apiKeyHeader = config.auth?.api_keys?.header ?? CONFIG_DEFAULTS.auth.api_keys.header;
  const keys = Object.keys(CONTEXT_FIELDS) as Array<keyof ContextHeadersConfig>;
  for (const key of keys) {
    const name = configured[key];
    if (name === undefined) continue;
    const lower = name.toLowerCase();
    const path = [...at, key];
    // Another field already sends this header: one written earlier, or one left at its default.
    const other = keys.find(
      (k) =>
        k !== key &&
        mapping[CONTEXT_FIELDS[k]]?.toLowerCase() === lower &&
        (configured[k] === undefined || keys.indexOf(k) < keys.indexOf(key)),
    );
    if (other !== undefined) {
      problems.push({
        ...error(ConfigCode.CONTEXT_HEADER, path),
        message: `auth.context_headers: ${key} and ${other}${configured[other] === undefined ? ' (by default)' : ''} both map to the header ${name}`,
        hint: 'give each identity field its own header',
      });
    }
    const reason =
      lower === apiKeyHeader.toLowerCase()
        ? 'is the API key header (auth.api_keys.header), which would be dropped from every request'
        : RESERVED_HEADERS.find(([names]) => names.includes(lower))?.[1];
    if (reason !== undefined) {
      problems.push({
        ...error(ConfigCode.CONTEXT_HEADER, path),
        message: `auth.context_headers.${key}: ${name} ${reason}`,
        hint: 'choose a header of its own, such as X-User-ID',
      });
    }
  }
  return problems;
}

function checkRateLimiting(config: GatewayConfig): PathProblem[] {
  const rl = config.middleware?.rate_limiting;
  if (rl === undefined) return [];
  const at = ['middleware', 'rate_limiting'];
  const problems: PathProblem[] = [];
  const storage = rl.storage;
  if (storage?.type === 'Redis' && storage.url === undefined && config.redis === undefined) {
    problems.push({
      ...error(ConfigCode.REDIS_REQUIRED, [...at, 'storage', 'type']),
      message:
        'middleware.rate_limiting.storage is Redis, but gives no url and there is no top-level redis block',
      hint: 'add url: "redis://host:6379" here, or a top-level redis: { url: ... } block',
    });
  }
  if (storage?.type === 'Memory' && storage.url !== undefined) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      message: 'middleware.rate_limiting.storage.url is not used: counters are kept in memory',
      hint: 'remove the url, or set type: Redis to count across instances',
      path: [...at, 'storage', 'url'],
      atKey: true,
    });
  }
  const inMemory =
    storage?.type === 'Memory' || (storage?.type === undefined && config.redis === undefined);
  const workers = config.server?.workers ?? CONFIG_DEFAULTS.server.workers;
  if (inMemory && workers > 1 && rl.enabled !== false) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.PER_PROCESS_LIMIT,
      message: `rate limits are counted in memory by each of the ${workers} worker processes (server.workers): a client may get up to ${workers} times each limit`,
      hint: 'add a top-level redis block (or storage: { type: Redis, url: ... }) to count once across processes',
      path: storage?.type === undefined ? at : [...at, 'storage', 'type'],
      atKey: true,
    });
  }
  if (rl.default_limit !== undefined) {
    problems.push(...checkRate(rl.default_limit, [...at, 'default_limit']));
  }
  const paths = config.routes.map((route) => route.path);
  for (const [path, rate] of Object.entries(rl.route_limits ?? {})) {
    const limitAt = [...at, 'route_limits', path];
    problems.push(...checkRate(rate, limitAt));
    const index = paths.indexOf(path);
    if (index < 0) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.UNUSED_ROUTE_LIMIT,
        message: `route_limits["${path}"] is not the path of any route, so it limits nothing`,
        hint:
          paths.length > 0 ? suggestionHint(path, paths, 'route paths') : 'no routes are defined',
        path: limitAt,
        atKey: true,
      });
    } else {
      const own = config.routes.findIndex(
        (route) => route.path === path && route.rate_limit !== undefined,
      );
      if (own >= 0) {
        problems.push({
          severity: 'warning',
          code: ConfigCode.IGNORED_KEY,
          message: `route_limits["${path}"] is not used: routes[${own}] has its own rate_limit`,
          hint: 'keep one of the two limits',
          path: limitAt,
          atKey: true,
        });
      }
    }
  }
  if (rl.key !== undefined) problems.push(...checkKeySpec(rl.key, [...at, 'key']));
  const tiers = config.auth?.tiers;
  for (const [tier, rate] of Object.entries(rl.tiers ?? {})) {
    problems.push(...checkRate(rate, [...at, 'tiers', tier]));
    if (tiers !== undefined && !tiers.includes(tier)) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.UNKNOWN_TIER,
        message: `middleware.rate_limiting.tiers: "${tier}" is not one of auth.tiers, so no caller has it`,
        hint: suggestionHint(tier, tiers, 'tiers'),
        path: [...at, 'tiers', tier],
        atKey: true,
      });
    }
  }
  return problems;
}

function checkRate(rate: Rate, path: ConfigPath): PathProblem[] {
  const parsed = parseRate(rate);
  if (parsed.ok) return [];
  // parseRate says what is wrong, then how to write it: "<problem>; <how>".
  const split = parsed.problem.indexOf('; ');
  return [
    {
      ...error(ConfigCode.RATE, path),
      message: `${formatConfigPath(path)}: ${split < 0 ? parsed.problem : parsed.problem.slice(0, split)}`,
      hint:
        split < 0
          ? 'write "<requests>/<window>", e.g. "100/hour", "10/s" or "5/10s", or a bare integer of requests per minute'
          : parsed.problem.slice(split + 2),
    },
  ];
}

function checkKeySpec(spec: RateLimitKeyConfig, path: ConfigPath): PathProblem[] {
  const problem = keySpecProblem(spec);
  if (problem === undefined) return [];
  // Point at the list item the problem quotes, when there is one.
  const part = Array.isArray(spec) ? firstQuoted(problem, spec) : undefined;
  const index = part === undefined ? -1 : (spec as string[]).indexOf(part);
  return [
    {
      ...error(ConfigCode.RATE_LIMIT_KEY, index >= 0 ? [...path, index] : path),
      message: `${formatConfigPath(path)}: ${problem}`,
      hint: 'a key is ip, user, api_key, route or header:NAME, or a list of these',
    },
  ];
}

function checkCors(cors: CorsConfig, at: ConfigPath): PathProblem[] {
  return checkCorsSettings(corsSettings(cors)).map((problem) => ({
    ...error(ConfigCode.CORS, corsProblemPath(cors, at, problem)),
    message: `${formatConfigPath(at)}: ${problem}`,
  }));
}

/** Which list each of checkCorsSettings' entry problems is about, by how the message starts. */
const CORS_LISTS = [
  ['allowed origin ', 'allowed_origins'],
  ['allowed method ', 'allowed_methods'],
  ['allowed header ', 'allowed_headers'],
  ['exposed header ', 'exposed_headers'],
] as const;

/** The entry a CORS problem is about, else the key, else the block. */
function corsProblemPath(cors: CorsConfig, at: ConfigPath, problem: string): ConfigPath {
  if (problem.startsWith('credentials')) return [...at, 'allow_credentials'];
  if (problem.startsWith('max age')) return [...at, 'max_age'];
  if (problem.startsWith('no allowed origin')) return [...at, 'allowed_origins'];
  const list = CORS_LISTS.find(([prefix]) => problem.startsWith(prefix))?.[1];
  if (list === undefined) return at;
  const entries = cors[list] ?? [];
  const entry = firstQuoted(problem, entries);
  return entry === undefined ? [...at, list] : [...at, list, entries.indexOf(entry)];
}

/**
 * Of the candidates a message quotes ("..."), the one quoted first: the filters' messages name
 * the offending value before any example they suggest.
 */
function firstQuoted(message: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestIndex = Infinity;
  for (const candidate of candidates) {
    const index = message.indexOf(`"${candidate}"`);
    if (index >= 0 && index < bestIndex) {
      best = candidate;
      bestIndex = index;
    }
  }
  return best;
}

function checkSecurityHeaderBlock(headers: SecurityHeadersConfig, at: ConfigPath): PathProblem[] {
  if (headers === false) return [];
  const names = Object.keys(headers);
  return checkSecurityHeaders(headers).map((problem) => {
    const name = firstQuoted(problem, names);
    const aboutValue = /value|must be a string|is empty/.test(problem);
    return {
      ...error(ConfigCode.SECURITY_HEADERS, name === undefined ? at : [...at, name]),
      message: `${formatConfigPath(at)}: ${problem}`,
      hint: 'a header name with a string value sets the header; false removes a default header',
      atKey: name !== undefined && !aboutValue,
    };
  });
}

function checkIpFilter(filter: IpFilterConfig, at: ConfigPath): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const list of ['allow', 'deny'] as const) {
    (filter[list] ?? []).forEach((entry, j) => {
      for (const problem of checkIpFilterSettings({ [list]: [entry] })) {
        problems.push({
          ...error(ConfigCode.IP_FILTER, [...at, list, j]),
          message: `${formatConfigPath(at)}: ${problem}`,
          hint: 'write an address or a CIDR range, e.g. "10.0.0.0/8", "192.168.1.10", "2001:db8::/32"',
        });
      }
    });
  }
  return problems;
}

function checkRoutes(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const providers = configuredProviders(config.auth);
  const tiers = config.auth?.tiers;
  const rateLimitingOff = config.middleware?.rate_limiting?.enabled === false;
  config.routes.forEach((route, i) => {
    const at = ['routes', i];
    const label = `route "${route.path}"`;
    const requirement = authRequirement(route);
    if (route.auth_required === false && requirement !== undefined) {
      problems.push({
        ...error(ConfigCode.AUTH_CONFLICT, [...at, 'auth_required']),
        message: `${label} has auth_required: false, but ${requirement} needs an authenticated caller`,
        hint: `remove auth_required: false (${requirement} implies authentication), or remove ${requirement} to make the route public`,
      });
    }
    if (route.auth !== undefined) {
      route.auth.forEach((provider, j) => {
        if (providers.includes(provider)) return;
        problems.push({
          ...error(ConfigCode.AUTH_PROVIDER, [...at, 'auth', j]),
          message: `${label} accepts ${provider}, but auth.${provider === 'jwt' ? 'jwt' : 'api_keys'} is not configured`,
          hint:
            providers.length > 0
              ? suggestionHint(provider, providers, 'configured providers')
              : 'no provider is configured; add auth.jwt or auth.api_keys',
        });
      });
    } else if (requirement !== undefined && providers.length === 0) {
      problems.push({
        ...error(ConfigCode.AUTH_PROVIDER, [...at, requirement]),
        message: `${label} requires authentication (${requirement}), but no provider is configured`,
        hint: 'add auth.jwt or auth.api_keys; without one every request to this route would get 401',
        atKey: true,
      });
    }
    if (route.required_tier !== undefined) {
      const tier = route.required_tier;
      if (tiers === undefined || !tiers.includes(tier)) {
        problems.push({
          ...error(ConfigCode.UNDEFINED_TIER, [...at, 'required_tier']),
          message:
            tiers === undefined
              ? `${label} requires tier "${tier}", but auth.tiers is not defined`
              : `${label} requires tier "${tier}", which is not one of auth.tiers`,
          hint:
            tiers === undefined
              ? 'list the tiers lowest first under auth.tiers, e.g. tiers: [free, pro, enterprise]'
              : suggestionHint(tier, tiers, 'tiers'),
        });
      }
    }
    const limit = route.rate_limit;
    if (limit !== undefined && limit !== false) {
      if (typeof limit === 'object') {
        problems.push(...checkRate(limit.limit, [...at, 'rate_limit', 'limit']));
        if (limit.key !== undefined) {
          problems.push(...checkKeySpec(limit.key, [...at, 'rate_limit', 'key']));
        }
      } else {
        problems.push(...checkRate(limit, [...at, 'rate_limit']));
      }
      if (rateLimitingOff) {
        problems.push({
          severity: 'warning',
          code: ConfigCode.IGNORED_KEY,
          message: `${label}: rate_limit is not applied, middleware.rate_limiting.enabled is false`,
          hint: 'remove enabled: false to apply the limits',
          path: [...at, 'rate_limit'],
          atKey: true,
        });
      }
    }
    if (route.cors !== undefined && route.cors !== false) {
      problems.push(...checkCors(route.cors, [...at, 'cors']));
    }
    if (route.security_headers !== undefined) {
      problems.push(
        ...checkSecurityHeaderBlock(route.security_headers, [...at, 'security_headers']),
      );
    }
    if (route.ip_filter !== undefined) {
      problems.push(...checkIpFilter(route.ip_filter, [...at, 'ip_filter']));
    }
  });
  return problems;
}

function error(code: string, path: ConfigPath): Pick<PathProblem, 'severity' | 'code' | 'path'> {
  return { severity: 'error', code, path };
}
