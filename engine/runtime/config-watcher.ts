import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` once per burst of changes to `file`. The directory is watched, not the file,
 * because editors that save by writing a new file and renaming it over the old one would leave a
 * file watch pointing at a deleted inode.
 */
export function watchConfigFile(
  file: string,
  debounceMs: number,
  onChange: () => void,
): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | null = null;
  const watcher: FSWatcher = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  });
  return function stopWatching() {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
