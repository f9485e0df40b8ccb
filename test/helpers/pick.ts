/**
 * The fields of `actual` that `expected` names (undefined where absent), so that
 * `t.same(pick(actual, expected), expected)` compares exactly those fields. `t.match` is no use
 * for security values: it compares strings by "contains" and arrays by prefix, so a forged
 * `admin-root, user-alice` passes for `user-alice` and roles `['ops', 'admin']` for `['ops']`.
 */
export function pick(actual: unknown, expected: object): Record<string, unknown> {
  const from = (actual ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.keys(expected).map((name) => [name, from[name]]));
}
