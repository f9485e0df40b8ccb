import { watchConfigFile } from './config-watcher.js';

const DEBOUNCE_MS = 100;

/** Watches a set of files that changes from one reload to the next (the plugins' modules). */
export class FileWatches {
  private readonly stops = new Map<string, () => void>();

  /** Watches exactly `files` from now on; a change to one calls `onChange` (debounced per file). */
  watch(files: readonly string[], onChange: () => void): void {
    const wanted = new Set(files);
    for (const [file, stop] of this.stops) {
      if (wanted.has(file)) continue;
      stop();
      this.stops.delete(file);
    }
    for (const file of wanted) {
      if (!this.stops.has(file)) this.stops.set(file, watchConfigFile(file, DEBOUNCE_MS, onChange));
    }
  }
}
