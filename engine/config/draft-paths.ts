import type { ConfigPath } from './config-problem.js';

/** True when `path` is `ancestor` or lies below it. */
export function isWithin(path: ConfigPath, ancestor: ConfigPath): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, i) => path[i] === segment);
}

/**
 * How the paths of a draft (the config with its wrong values replaced, so that the later checks
 * can run) relate to the file's. Items removed from a list shift the indexes after them; values
 * that the draft made up are covered, and nothing found in them is reported.
 */
export class DraftPaths {
  /** In the order they were made, each in the coordinates of its moment. */
  private readonly removedItems: Array<{ list: ConfigPath; index: number }> = [];
  /** In the file's coordinates. */
  private readonly covered: ConfigPath[] = [];
  private readonly placed: ConfigPath[] = [];
  private readonly removedKeys: ConfigPath[] = [];

  /** The file's path of a draft path. */
  toOriginal(path: ConfigPath): ConfigPath {
    const original = [...path];
    for (let i = this.removedItems.length - 1; i >= 0; i--) {
      const { list, index } = this.removedItems[i] as { list: ConfigPath; index: number };
      const at = original[list.length];
      if (typeof at === 'number' && at >= index && isWithin(original, list)) {
        original[list.length] = at + 1;
      }
    }
    return original;
  }

  /** Nothing found at or below `path` (draft coordinates) is reported. */
  cover(path: ConfigPath): void {
    this.covered.push(this.toOriginal(path));
  }

  /**
   * The draft put a placeholder at `path` (draft coordinates). What is found about the mapping or
   * item that holds it is not reported either: its messages would quote the placeholder ("route
   * /placeholder ..."). A top-level key covers only itself.
   */
  place(path: ConfigPath): void {
    this.cover(path.length > 1 ? path.slice(0, -1) : path);
    this.placed.push(this.toOriginal(path));
  }

  /** The shortest prefix of `path` (draft coordinates) that is a placeholder, if any. */
  placedPrefix(path: ConfigPath): ConfigPath | undefined {
    const original = this.toOriginal(path);
    const hits = this.placed.filter((c) => isWithin(original, c));
    if (hits.length === 0) return undefined;
    return path.slice(0, Math.min(...hits.map((c) => c.length)));
  }

  /** Whether a problem at `original` (file coordinates) is about a made-up value. */
  isCovered(original: ConfigPath): boolean {
    return this.covered.some((c) => isWithin(original, c));
  }

  removedItem(list: ConfigPath, index: number): void {
    this.removedItems.push({ list, index });
  }

  removedKey(path: ConfigPath): void {
    this.removedKeys.push(this.toOriginal(path));
  }

  /** Whether the draft removed the key at `path` (draft coordinates) before. */
  wasRemoved(path: ConfigPath): boolean {
    const original = this.toOriginal(path);
    return this.removedKeys.some((k) => k.length === original.length && isWithin(original, k));
  }
}
