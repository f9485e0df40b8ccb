// The security-critical modules `npm run mutation` mutates, and the in-process test files that
// should kill their mutants. This is the one list to edit when a module moves or a test is added:
// each group is one row of RESULTS.md. Only fast in-process tests belong here (no gatewayd child
// processes: they run the built dist/, which Stryker's mutants never reach).

/**
 * Tests that measure speed, not behaviour, skipped in mutation runs (top-level test names, as
 * regular expressions): they take seconds each and a mutant that slows matching down is not
 * what this run looks for.
 */
export const SKIPPED_TESTS = ['routes match as fast as'];

/** @type {Array<{ name: string, mutate: string[], tests: string[] }>} */
export const MODULES = [
  {
    name: 'path normalisation and matching',
    mutate: [
      'engine/router/normalize-path.ts',
      'engine/router/path-pattern.ts',
      'engine/router/match-pattern.ts',
      'engine/router/segment-trie.ts',
      'engine/router/host-router.ts',
      'engine/router/host-name.ts',
    ],
    tests: ['test/router/*.test.ts'],
  },
  {
    name: 'auth providers',
    mutate: [
      'engine/filters/auth/api-key-provider.ts',
      'engine/filters/authorization/authorize.ts',
      'engine/filters/auth/credentials.ts',
      'engine/filters/auth/hash-api-key.ts',
      'engine/filters/auth/jwks-cache.ts',
      'engine/filters/auth/jwt-identity.ts',
      'engine/filters/auth/jwt-provider.ts',
      'engine/filters/auth/memory-api-key-store.ts',
      'engine/filters/auth/static-api-keys.ts',
    ],
    tests: [
      'test/filters/auth/api-key-provider.test.ts',
      'test/filters/auth/authorize.test.ts',
      'test/filters/auth/credentials.test.ts',
      'test/filters/auth/jwks.test.ts',
      'test/filters/auth/jwt-provider.test.ts',
    ],
  },
  {
    name: 'context and request-header policy',
    mutate: [
      'engine/filters/context-headers/context-headers.ts',
      'engine/filters/request-headers/request-headers-factory.ts',
      'engine/data-plane/forward-headers.ts',
    ],
    tests: ['test/filters/auth/context-headers.test.ts', 'test/data-plane/forward-headers.test.ts'],
  },
  {
    name: 'trust proxy and client address',
    mutate: ['engine/data-plane/trust-proxy.ts', 'engine/data-plane/client-address.ts'],
    tests: ['test/compile/client-address.test.ts'],
  },
  {
    name: 'CORS',
    mutate: ['engine/filters/cors/cors.ts', 'engine/filters/cors/origin-matcher.ts'],
    tests: ['test/filters/cors.test.ts'],
  },
  {
    name: 'WebSocket origins',
    mutate: [
      'engine/filters/socket-origin/socket-origin.ts',
      'engine/filters/socket-origin/socket-origin-settings.ts',
    ],
    tests: ['test/filters/socket-origin.test.ts'],
  },
  {
    name: 'IP filter',
    mutate: ['engine/filters/ip-filter/ip-filter.ts'],
    tests: ['test/filters/ip-filter.test.ts'],
  },
  {
    name: 'rate-limit keys',
    mutate: ['engine/filters/rate-limit/rate-limit-key.ts'],
    tests: ['test/filters/rate-limit/rate-limit-key.test.ts'],
  },
  {
    name: 'admin auth',
    mutate: ['engine/admin/admin-api.ts', 'engine/compile/admin-settings.ts'],
    tests: ['test/admin/admin-api-auth.test.ts'],
  },
];

/**
 * Surviving mutants that no test can kill because the mutated code behaves the same, each with
 * why. Matched by file (a path suffix, so a move to another folder keeps the entry), mutator, the
 * original text and the replacement, as RESULTS.md prints them; never by line number.
 *
 * @type {Array<{ file: string, mutator: string, original: string, replacement: string, why: string }>}
 */
export const EQUIVALENT = [
  {
    file: 'admin-api.ts',
    mutator: 'StringLiteral',
    original: "'GET'",
    replacement: '""',
    why: "Node's HTTP server always sets req.method: the fallback never applies",
  },
  {
    file: 'admin-api.ts',
    mutator: 'BlockStatement',
    original: '{ res.destroy(); return; }',
    replacement: '{}',
    why: 'unreachable: every answer is written after its handler returns, so an error never meets sent headers',
  },
  {
    file: 'admin-api.ts',
    mutator: 'ConditionalExpression',
    original: 'res.headersSent',
    replacement: 'false',
    why: 'the same unreachable branch: headers are never sent when an error is caught',
  },
  {
    file: 'admin-settings.ts',
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    why: 'the config checks refuse an admin block without a token or token_hash, so the fallback never applies',
  },
  {
    file: 'admin-api.ts',
    mutator: 'MethodExpression',
    original: '[...match.allowed].sort()',
    replacement: '[...match.allowed]',
    why: 'every admin path registers its methods in alphabetical order today, so the Allow list is sorted either way',
  },
  {
    file: 'admin-api.ts',
    mutator: 'MethodExpression',
    original: "/^Bearer[ \\t]+(.+)$/i.exec(header ?? '')?.[1]?.trim()",
    replacement: "/^Bearer[ \\t]+(.+)$/i.exec(header ?? '')?.[1]",
    why: "Node's HTTP parser strips the whitespace around a header value, and the regular expression takes the spaces after Bearer: there is nothing left to trim",
  },
  {
    file: 'admin-api.ts',
    mutator: 'OptionalChaining',
    original: "/^Bearer[ \\t]+(.+)$/i.exec(header ?? '')?.[1]?.trim",
    replacement: "/^Bearer[ \\t]+(.+)$/i.exec(header ?? '')?.[1].trim",
    why: '(.+) always captures when the expression matches: [1] is never undefined',
  },
  {
    file: 'admin-api.ts',
    mutator: 'Regex',
    original: '/^Bearer[ \\t]+(.+)$/i',
    replacement: '/^Bearer[ \\t]+(.+)/i',
    why: '(.+) runs to the end of the value anyway: a header value has no line break',
  },
  {
    file: 'admin-api.ts',
    mutator: 'Regex',
    original: '/^Bearer[ \\t]+(.+)$/i',
    replacement: '/^Bearer[ \\t](.+)$/i',
    why: 'further spaces or tabs land in the capture, which is trimmed',
  },
  {
    file: 'admin-api.ts',
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    why: 'either fallback gives a token that is not the configured one (the config checks refuse an empty token), so the answer is 401 either way',
  },
  {
    file: 'rate-limit-key.ts',
    mutator: 'ConditionalExpression',
    original: 'readers.length === 1',
    replacement: 'false',
    why: 'a shortcut: the combined reader over one part reads that part and joins nothing',
  },
  {
    file: 'rate-limit-key.ts',
    mutator: 'ConditionalExpression',
    original: "!value.includes('|') && !value.includes('%')",
    replacement: 'false',
    why: 'a shortcut: escaping a value without | or % leaves it as it is',
  },
  {
    file: 'rate-limit-key.ts',
    mutator: 'StringLiteral',
    original: "'|'",
    replacement: '""',
    why: 'disables the same shortcut (every string includes ""): the escaping that runs instead changes nothing',
  },
  {
    file: 'rate-limit-key.ts',
    mutator: 'StringLiteral',
    original: "'%'",
    replacement: '""',
    why: 'as the line above',
  },
  {
    file: 'client-address.ts',
    mutator: 'EqualityOperator',
    original: 'i >= 0',
    replacement: 'i > 0',
    why: 'the loop skipping the first hop changes nothing: the fallback after it returns that same hop, trimmed, or the peer when it is empty',
  },
  {
    file: 'trust-proxy.ts',
    mutator: 'ConditionalExpression',
    original: 'cidrs.length === 0',
    replacement: 'false',
    why: 'a shortcut: with no ranges the general matcher also answers false for every address',
  },
  {
    file: 'trust-proxy.ts',
    mutator: 'ConditionalExpression',
    original: "parsed.kind() === 'ipv4'",
    replacement: 'false',
    why: 'an IPv4 address compared over 128 bits is compared over all its 32: ipaddr.js stops at the last octet, so a single address stays a single address',
  },
  {
    file: 'trust-proxy.ts',
    mutator: 'StringLiteral',
    original: "'ipv4'",
    replacement: '""',
    why: 'the same as the line above: 128 bits for a single IPv4 address',
  },
  {
    file: 'api-key-provider.ts',
    mutator: 'ConditionalExpression',
    original: 'identity.expiresAt !== undefined',
    replacement: 'true',
    why: 'a key without an end compares undefined <= now, which is false: it never expires either way',
  },
  {
    file: 'authorize.ts',
    mutator: 'ConditionalExpression',
    original: 'requiredTier === undefined',
    replacement: 'false',
    why: 'without a required tier the lookup of undefined in the tier list gives -1 too',
  },
  {
    file: 'authorize.ts',
    mutator: 'UnaryOperator',
    original: '-1',
    replacement: '+1',
    why: "the rank is read only when a tier is required, and then it is the tier's own",
  },
  {
    file: 'authorize.ts',
    mutator: 'ConditionalExpression',
    original: 'permissions.length > 0',
    replacement: 'true',
    why: 'a shortcut: with no required permission none is missing, so the check passes either way',
  },
  {
    file: 'authorize.ts',
    mutator: 'EqualityOperator',
    original: 'permissions.length > 0',
    replacement: 'permissions.length >= 0',
    why: 'as the line above',
  },
  {
    file: 'authorize.ts',
    mutator: 'ConditionalExpression',
    original: 'requiredTier !== undefined',
    replacement: 'true',
    why: 'without a required tier the least rank is -1, and no lookup in the tier list gives less',
  },
  {
    file: 'authorize.ts',
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    why: 'an identity without a tier looks up a name that is not a tier either way, so it ranks below every tier',
  },
  {
    file: 'socket-origin.ts',
    mutator: 'ConditionalExpression',
    original: 'listed.length === 0',
    replacement: 'false',
    why: 'a shortcut: the matcher built from no pattern admits no origin, as the null it stands for',
  },
  {
    file: 'ip-filter.ts',
    mutator: 'ConditionalExpression',
    original: "!text.includes(':')",
    replacement: 'false',
    why: 'a shortcut: text without ":" that is not dotted decimal fails IPv6.parse, which also gives null',
  },
  {
    file: 'ip-filter.ts',
    mutator: 'StringLiteral',
    original: "':'",
    replacement: '""',
    why: 'the same shortcut disabled: IPv6.parse refuses what it skipped',
  },
  {
    file: 'ip-filter.ts',
    mutator: 'ConditionalExpression',
    original: "address.kind() === 'ipv6'",
    replacement: 'true',
    why: 'an IPv4 address has no zoneId, so the zone check is false for it either way',
  },
  {
    file: 'cors.ts',
    mutator: 'ConditionalExpression',
    original: "name !== '*'",
    replacement: 'true',
    why: '"*" is itself a valid HTTP token (RFC 9110 tchar), so the token check that runs instead accepts it too',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'ConditionalExpression',
    original: 'n < 1',
    replacement: 'false',
    why: 'the only port below 1 is written with zeros only, and the check for a leading 0 refuses it anyway',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'ConditionalExpression',
    original: 'wildcards.length === 0',
    replacement: 'false',
    why: 'a shortcut: the general matcher with no wildcard looks up the same set of exact origins and answers false after it',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'BlockStatement',
    original:
      '{ return function exactOrigin(origin) { return exact.has(origin.toLowerCase()); }; }',
    replacement: '{}',
    why: 'the same shortcut removed: the general matcher answers the same',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'ConditionalExpression',
    original: 'o.length > prefix.length + suffix.length',
    replacement: 'true',
    why: 'a cheap early test: when the origin is no longer than prefix and suffix together, the part between them is empty and the subdomain pattern (one character at least) refuses it',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'EqualityOperator',
    original: 'o.length > prefix.length + suffix.length',
    replacement: 'o.length >= prefix.length + suffix.length',
    why: 'at equal length the part standing for "*" is empty, which the subdomain pattern refuses',
  },
  {
    file: 'origin-matcher.ts',
    mutator: 'ArithmeticOperator',
    original: 'prefix.length + suffix.length',
    replacement: 'prefix.length - suffix.length',
    why: 'a weaker early test: the origins it lets through that the original stopped leave an empty part for "*", which the subdomain pattern refuses',
  },
];
