import type { ConfigPath, PathProblem } from '../config/config-problem.js';

/** A `{set, remove}` block of header edits, as request_headers and response_headers write it. */
interface HeaderEdits {
  set?: Record<string, string>;
  remove?: string[];
}

/**
 * Refuses each named header of an edits block at `here` that `refusal` gives a reason for (it
 * gets the lower-case name and whether the block sets it), and any name both set and removed.
 */
export function checkHeaderEdits(
  edits: HeaderEdits,
  here: ConfigPath,
  label: string,
  code: PathProblem['code'],
  refusal: (lower: string, setting: boolean) => string | null,
): PathProblem[] {
  const removed = new Set((edits.remove ?? []).map((n) => n.toLowerCase()));
  const named: Array<{ name: string; path: ConfigPath; setting: boolean }> = [
    ...(edits.remove ?? []).map((name, j) => ({
      name,
      path: [...here, 'remove', j],
      setting: false,
    })),
    ...Object.keys(edits.set ?? {}).map((name) => ({
      name,
      path: [...here, 'set', name],
      setting: true,
    })),
  ];
  const problems: PathProblem[] = [];
  for (const { name, path, setting } of named) {
    const lower = name.toLowerCase();
    const why =
      refusal(lower, setting) ?? (setting && removed.has(lower) ? 'it is also under remove' : null);
    if (why === null) continue;
    problems.push({
      severity: 'error',
      code,
      message: `${label} cannot ${setting ? 'set' : 'remove'} ${name}: ${why}`,
      hint: setting ? 'choose another header name' : 'drop it from the list',
      path,
      atKey: setting,
    });
  }
  return problems;
}
