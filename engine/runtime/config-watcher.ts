import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` once per burst of changes to `file`. The directory is watched, not the file,
 * because editors that save by writing a new file and renaming it over the old one would leave a
 * file watch pointing at a deleted inode. A change to another entry counts when the file, with
 * symlinks followed, is no longer the same: Kubernetes updates a mounted ConfigMap by swapping
 * a `..data` symlink, never touching the config file's own name.
 */
export function watchConfigFile(
  file: string,
  debounceMs: number,
  onChange: () => void,
): () => void {
  const name = basename(file);
  let identity = identityOf(file);
  let timer: NodeJS.Timeout | null = null;
  const watcher: FSWatcher = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) {
      const now = identityOf(file);
      if (now === identity) return;
      identity = now;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      identity = identityOf(file);
      onChange();
    }, debounceMs);
  });
  return function stopWatching() {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

/** What changes when the file behind `file` is replaced or rewritten. */
function identityOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
