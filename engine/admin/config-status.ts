/** The outcome of one reload, as the admin API reports it. */
export interface ReloadRecord {
  /** Epoch ms. */
  at: number;
  reason: string;
  ok: boolean;
  /** False when the file's text (after ${VAR} interpolation) was the one in force already. */
  changed: boolean;
  /** The generation in force afterwards. */
  generation: number;
  /** `file:line:col: CODE message`, errors and warnings. */
  problems: string[];
}

/**
 * What is in force and how it got there: the generation (one more for every table swapped in,
 * file reloads and runtime route changes alike), the file's hash and load time, the last reload.
 */
export class ConfigStatus {
  generation = 0;
  hash = '';
  /** Epoch ms when the file's config in force was loaded. */
  loadedAt = 0;
  /** Epoch ms of the last table swap. */
  installedAt = 0;
  warnings: string[] = [];
  lastReload: ReloadRecord | null = null;

  constructor(readonly file: string) {}

  /** A table was swapped in; `file` says whether it came with a newly loaded file. */
  installed(file: { hash: string; warnings: string[] } | null): void {
    this.generation++;
    this.installedAt = Date.now();
    if (file === null) return;
    this.hash = file.hash;
    this.warnings = file.warnings;
    this.loadedAt = this.installedAt;
  }

  reloaded(reason: string, ok: boolean, changed: boolean, problems: string[]): ReloadRecord {
    this.lastReload = {
      at: Date.now(),
      reason,
      ok,
      changed,
      generation: this.generation,
      problems,
    };
    return this.lastReload;
  }
}
