import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { ConfigPath, ConfigProblem, PathProblem } from './config-problem.js';

/** Places a problem found by config path at file:line:column (1-based). */
export type Locator = (p: PathProblem) => ConfigProblem;

export function createLocator(doc: Document, lineCounter: LineCounter, file: string): Locator {
  return function locate(p) {
    const { line, col } = lineCounter.linePos(offsetOf(doc, p.path, p.atKey === true));
    return { ...p, file, line, column: col };
  };
}

/** Source offset of the node at `path` (of its key with `atKey`), else of its nearest existing ancestor. */
export function offsetOf(doc: Document, path: ConfigPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const container = isAlias(node) ? node.resolve(doc) : node;
    if (isMap(container)) {
      const pair = container.items.find((item) => keyText(item.key) === String(segment));
      if (!pair) break;
      if (atKey && i === path.length - 1) return startOf(pair.key) ?? offset;
      node = pair.value;
      // `key:` with nothing after it may have no value node: point at the key then.
      offset = startOf(pair.value) ?? startOf(pair.key) ?? offset;
    } else if (isSeq(container)) {
      node = container.items[Number(segment)];
      if (node === undefined) break;
      offset = startOf(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

/** A mapping key as the config sees it after toJS (keys are strings there). */
export function keyText(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

function startOf(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}
