import { NO_VALUE } from '../no-value.js';
import type { CounterCell, CounterFamily } from './cell-family.js';

/** How an admin request ended, by its status. */
export type AdminOutcome = 'success' | 'unauthorized' | 'client_error' | 'server_error';

const OUTCOMES: readonly AdminOutcome[] = [
  'success',
  'unauthorized',
  'client_error',
  'server_error',
];

export function adminOutcome(status: number): AdminOutcome {
  if (status === 401) return 'unauthorized';
  if (status >= 500) return 'server_error';
  return status >= 400 ? 'client_error' : 'success';
}

/**
 * The admin API's request counter. Every endpoint's series exist from the start at 0, so the
 * first refused token shows in increase(); requests that matched no endpoint count under
 * endpoint NO_VALUE.
 */
export class AdminMetrics {
  private readonly cells = new Map<string, CounterCell>();

  constructor(
    private readonly family: CounterFamily,
    endpoints: ReadonlyArray<readonly [string, string]>,
  ) {
    for (const [method, path] of endpoints) {
      for (const outcome of OUTCOMES) this.cell(method, path, outcome);
    }
  }

  /** `endpoint`: the matched path pattern, or null when none matched. */
  record(method: string, endpoint: string | null, status: number): void {
    this.cell(method, endpoint ?? NO_VALUE, adminOutcome(status)).value++;
  }

  private cell(method: string, endpoint: string, outcome: AdminOutcome): CounterCell {
    const key = `${method} ${endpoint} ${outcome}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = this.family.cell(method, endpoint, outcome);
      this.cells.set(key, cell);
    }
    return cell;
  }
}
