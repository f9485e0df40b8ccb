import type { PathPattern } from './path-pattern.js';

/**
 * Values registered at one point of the trie: by method, plus those for any method. A list holds
 * the values that share one method and path because each applies only under its own condition
 * (a header, a cookie), in the order they are tried: conditional values first, in the order they
 * were added, then at most one unconditional value.
 */
interface Terminal<T> {
  byMethod: Map<string, T[]>;
  any: T[] | null;
}

interface TrieNode<T> {
  statics: Map<string, TrieNode<T>>;
  param: { name: string; node: TrieNode<T> } | null;
  terminal: Terminal<T> | null;
  wildcard: Terminal<T> | null;
}

/**
 * How values that share a method and path are told apart. The defaults suit values without
 * conditions: every value applies, and no two may share a slot.
 */
export interface SlotRules<T, C> {
  /** Whether `value` applies to the request described by `ctx`. */
  accepts(value: T, ctx: C): boolean;
  /** Whether `value` applies only under a condition. */
  isConditional(value: T): boolean;
  /** Whether two values may share one slot: both conditional, with different conditions. */
  canShare(a: T, b: T): boolean;
}

const UNCONDITIONAL: SlotRules<unknown, unknown> = {
  accepts: () => true,
  isConditional: () => false,
  canShare: () => false,
};

export type TrieMatch<T> =
  | { found: true; value: T; params: string[]; wildcard: string }
  | { found: false; allowed: Set<string> };

/** Why a route cannot be added: another route already answers it, or a param name clashes. */
export type AddConflict<T> =
  | { kind: 'shadowed'; by: T; method: string }
  | { kind: 'param-name'; existing: string; wanted: string };

function newNode<T>(): TrieNode<T> {
  return { statics: new Map(), param: null, terminal: null, wildcard: null };
}

/**
 * A segment trie: static segments are tried before a {param}, and a {param} before a trailing *.
 * Matching backtracks, so a request falls through to the next most specific route that also
 * allows its method and whose condition holds. Paths without params are also kept in a flat map:
 * they are the common case and need no walk.
 */
export class SegmentTrie<T, C = undefined> {
  private readonly root: TrieNode<T> = newNode();
  private readonly exact = new Map<string, Terminal<T>>();

  constructor(private readonly rules: SlotRules<T, C> = UNCONDITIONAL as SlotRules<T, C>) {}

  /** Adds a route; returns the conflict instead when the route would be shadowed or ambiguous. */
  add(
    pattern: PathPattern,
    path: string,
    methods: readonly string[] | null,
    value: T,
  ): AddConflict<T> | null {
    let node = this.root;
    for (const seg of pattern.segments) {
      if (seg.kind === 'static') {
        let next = node.statics.get(seg.value);
        if (!next) node.statics.set(seg.value, (next = newNode()));
        node = next;
      } else if (seg.kind === 'param') {
        if (node.param && node.param.name !== seg.name) {
          return { kind: 'param-name', existing: node.param.name, wanted: seg.name };
        }
        node.param ??= { name: seg.name, node: newNode() };
        node = node.param.node;
      } else {
        node.wildcard ??= { byMethod: new Map(), any: null };
        return addToTerminal(node.wildcard, methods, value, this.rules);
      }
    }
    node.terminal ??= { byMethod: new Map(), any: null };
    const conflict = addToTerminal(node.terminal, methods, value, this.rules);
    if (!conflict && pattern.paramNames.length === 0) this.exact.set(path, node.terminal);
    return conflict;
  }

  match(method: string, path: string, ctx?: C): TrieMatch<T> {
    const exact = this.exact.get(path);
    const rules = this.rules;
    if (exact) {
      const value = pick(exact, method, null, rules, ctx as C);
      if (value !== null) return { found: true, value, params: [], wildcard: '' };
    }
    const segments = path.split('/');
    const allowed = new Set<string>();
    const params: string[] = [];
    const hit = walk(this.root, segments, 1, method, params, allowed, rules, ctx as C);
    return hit ?? { found: false, allowed };
  }
}

function addToTerminal<T, C>(
  terminal: Terminal<T>,
  methods: readonly string[] | null,
  value: T,
  rules: SlotRules<T, C>,
): AddConflict<T> | null {
  const clashIn = (list: readonly T[] | null | undefined): T | undefined =>
    list?.find((other) => !rules.canShare(other, value));
  if (methods === null) {
    let clash = clashIn(terminal.any);
    for (const list of terminal.byMethod.values()) clash ??= clashIn(list);
    if (clash !== undefined) return { kind: 'shadowed', by: clash, method: '*' };
    terminal.any = insert(terminal.any ?? [], value, rules);
    return null;
  }
  for (const m of methods) {
    const clash = clashIn(terminal.byMethod.get(m)) ?? clashIn(terminal.any);
    if (clash !== undefined) return { kind: 'shadowed', by: clash, method: m };
  }
  for (const m of methods)
    terminal.byMethod.set(m, insert(terminal.byMethod.get(m) ?? [], value, rules));
  return null;
}

/** Conditional values go after those added before them but ahead of the unconditional one. */
function insert<T, C>(list: T[], value: T, rules: SlotRules<T, C>): T[] {
  const fallback = list.findIndex((v) => !rules.isConditional(v));
  if (fallback === -1 || !rules.isConditional(value)) list.push(value);
  else list.splice(fallback, 0, value);
  return list;
}

function first<T, C>(list: readonly T[], rules: SlotRules<T, C>, ctx: C): T | null {
  for (let i = 0; i < list.length; i++) {
    const value = list[i] as T;
    if (rules.accepts(value, ctx)) return value;
  }
  return null;
}

function pick<T, C>(
  terminal: Terminal<T>,
  method: string,
  /** Collects the methods the path does allow; null when the caller does not need them. */
  allowed: Set<string> | null,
  rules: SlotRules<T, C>,
  ctx: C,
): T | null {
  const specific = terminal.byMethod.get(method);
  if (specific !== undefined) {
    const value = first(specific, rules, ctx);
    if (value !== null) return value;
  }
  if (terminal.any !== null) {
    const value = first(terminal.any, rules, ctx);
    if (value !== null) return value;
  }
  // The path exists for other methods: that makes a 405, not a 404.
  if (allowed !== null && specific === undefined && terminal.any === null)
    for (const m of terminal.byMethod.keys()) allowed.add(m);
  return null;
}

function walk<T, C>(
  node: TrieNode<T>,
  segments: string[],
  i: number,
  method: string,
  params: string[],
  allowed: Set<string>,
  rules: SlotRules<T, C>,
  ctx: C,
): TrieMatch<T> | null {
  if (i === segments.length) {
    if (node.terminal) {
      const value = pick(node.terminal, method, allowed, rules, ctx);
      if (value !== null) return { found: true, value, params: params.slice(), wildcard: '' };
    }
    if (node.wildcard) {
      const value = pick(node.wildcard, method, allowed, rules, ctx);
      if (value !== null) return { found: true, value, params: params.slice(), wildcard: '' };
    }
    return null;
  }
  const seg = segments[i] as string;
  const child = node.statics.get(seg);
  if (child) {
    const hit = walk(child, segments, i + 1, method, params, allowed, rules, ctx);
    if (hit) return hit;
  }
  if (node.param && seg !== '') {
    params.push(seg);
    const hit = walk(node.param.node, segments, i + 1, method, params, allowed, rules, ctx);
    params.pop();
    if (hit) return hit;
  }
  if (node.wildcard) {
    const value = pick(node.wildcard, method, allowed, rules, ctx);
    if (value !== null) {
      return { found: true, value, params: params.slice(), wildcard: segments.slice(i).join('/') };
    }
  }
  return null;
}
