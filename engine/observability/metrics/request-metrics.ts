import type { Exchange } from '../../data-plane/exchange.js';
import type { CounterCell, CounterFamily, HistogramCell, HistogramFamily } from './cell-family.js';

/** The method label: the standard methods, everything else as OTHER (a client picks methods). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT'];
const OTHER = METHODS.length;
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export interface RequestFamilies {
  requests: CounterFamily;
  duration: HistogramFamily;
}

interface Cells {
  requests: CounterCell;
  duration: HistogramCell;
}

/**
 * The request series of one route and upstream, taken at compile time. Its cells (one per method
 * and status class seen) are made on first use and then found by array index, so recording a
 * request costs a switch, an index and two field updates.
 */
export class RequestMetrics {
  private readonly cells: Array<Cells | undefined> = new Array((METHODS.length + 1) * 5);

  constructor(
    private readonly families: RequestFamilies,
    /** The route's name and whether it has left the config (then no new series are made). */
    private readonly route: { readonly route: string; readonly retired: boolean },
    private readonly upstream: string,
  ) {}

  /** `durationMs`: the request's one measured duration, the one its log line and span report. */
  record(ex: Exchange, status: number, durationMs: number): void {
    const method = methodIndex(ex.method);
    const statusClass = status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : 4;
    const index = method * 5 + statusClass;
    const cells = this.cells[index] ?? this.create(index, method, statusClass);
    if (cells === null) return;
    cells.requests.value++;
    cells.duration.observe(durationMs / 1000);
  }

  private create(index: number, method: number, statusClass: number): Cells | null {
    if (this.route.retired) return null;
    const labels = [
      this.route.route,
      METHODS[method] ?? 'OTHER',
      STATUS_CLASSES[statusClass] as string,
      this.upstream,
    ];
    const cells = {
      requests: this.families.requests.cell(...labels),
      duration: this.families.duration.cell(...labels),
    };
    this.cells[index] = cells;
    return cells;
  }
}

function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'PATCH':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'TRACE':
      return 7;
    case 'CONNECT':
      return 8;
    default:
      return OTHER;
  }
}
