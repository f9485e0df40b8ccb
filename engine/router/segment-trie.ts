import type { PathPattern } from './path-pattern.js';

/** Handlers registered at one point of the trie: by method, plus one for any method. */
interface Terminal<T> {
  byMethod: Map<string, T>;
  any: T | null;
}

interface TrieNode<T> {
  statics: Map<string, TrieNode<T>>;
  param: { name: string; node: TrieNode<T> } | null;
  terminal: Terminal<T> | null;
  wildcard: Terminal<T> | null;
}

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
 * allows its method. Paths without params are also kept in a flat map: they are the common case
 * and need no walk.
 */
export class SegmentTrie<T> {
  private readonly root: TrieNode<T> = newNode();
  private readonly exact = new Map<string, Terminal<T>>();

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
        return addToTerminal(node.wildcard, methods, value);
      }
    }
    node.terminal ??= { byMethod: new Map(), any: null };
    const conflict = addToTerminal(node.terminal, methods, value);
    if (!conflict && pattern.paramNames.length === 0) this.exact.set(path, node.terminal);
    return conflict;
  }

  match(method: string, path: string): TrieMatch<T> {
    const exact = this.exact.get(path);
    if (exact) {
      const value = exact.byMethod.get(method) ?? exact.any;
      if (value !== null && value !== undefined)
        return { found: true, value, params: [], wildcard: '' };
    }
    const segments = path.split('/');
    const allowed = new Set<string>();
    const params: string[] = [];
    const hit = walk(this.root, segments, 1, method, params, allowed);
    return hit ?? { found: false, allowed };
  }
}

function addToTerminal<T>(
  terminal: Terminal<T>,
  methods: readonly string[] | null,
  value: T,
): AddConflict<T> | null {
  if (methods === null) {
    const clash = terminal.any ?? terminal.byMethod.values().next().value;
    if (clash !== undefined && clash !== null) return { kind: 'shadowed', by: clash, method: '*' };
    terminal.any = value;
    return null;
  }
  for (const m of methods) {
    const clash = terminal.byMethod.get(m) ?? terminal.any;
    if (clash !== undefined && clash !== null) return { kind: 'shadowed', by: clash, method: m };
  }
  for (const m of methods) terminal.byMethod.set(m, value);
  return null;
}

function pick<T>(terminal: Terminal<T>, method: string, allowed: Set<string>): T | null {
  const value = terminal.byMethod.get(method) ?? terminal.any;
  if (value !== undefined && value !== null) return value;
  for (const m of terminal.byMethod.keys()) allowed.add(m);
  return null;
}

function walk<T>(
  node: TrieNode<T>,
  segments: string[],
  i: number,
  method: string,
  params: string[],
  allowed: Set<string>,
): TrieMatch<T> | null {
  if (i === segments.length) {
    if (node.terminal) {
      const value = pick(node.terminal, method, allowed);
      if (value !== null) return { found: true, value, params: params.slice(), wildcard: '' };
    }
    if (node.wildcard) {
      const value = pick(node.wildcard, method, allowed);
      if (value !== null) return { found: true, value, params: params.slice(), wildcard: '' };
    }
    return null;
  }
  const seg = segments[i] as string;
  const child = node.statics.get(seg);
  if (child) {
    const hit = walk(child, segments, i + 1, method, params, allowed);
    if (hit) return hit;
  }
  if (node.param && seg !== '') {
    params.push(seg);
    const hit = walk(node.param.node, segments, i + 1, method, params, allowed);
    params.pop();
    if (hit) return hit;
  }
  if (node.wildcard) {
    const value = pick(node.wildcard, method, allowed);
    if (value !== null) {
      return { found: true, value, params: params.slice(), wildcard: segments.slice(i).join('/') };
    }
  }
  return null;
}
