import type { Aggregator } from 'prom-client';

/** One sample in the JSON shape prom-client's registries give and its aggregator merges. */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A family as prom-client's getMetricsAsJSON() gives it: what the worker aggregator takes. */
export interface FamilyJson {
  name: string;
  help: string;
  type: string;
  aggregator: Aggregator;
  values: Sample[];
}

export interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** How the supervisor merges the workers' series (prom-client's aggregators); default sum. */
  aggregator?: Aggregator;
}

interface Entry<C> {
  labels: Record<string, string>;
  /** `a="x",b="y"`, escaped once when the series is made. */
  labelText: string;
  cell: C;
}

/** Series written between two yields to the event loop during a scrape. */
const SERIES_PER_SLICE = 200;

/**
 * A metric family whose series ("cells") are plain objects a caller keeps and updates directly:
 * an update is a field increment, with no label hashing or validation on the request path
 * (prom-client's labelled children hash and check their labels on every call, ~1 µs a request
 * measured here). A scrape writes the text itself from label strings escaped once per series,
 * and yields to the event loop every few hundred series, so thousands of routes never stall the
 * data plane for long (APISIX's scrape-induced P99 spikes). For workers, `json()` gives the
 * shape prom-client's aggregator merges.
 */
export abstract class CellFamily<C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator: Aggregator;
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  private readonly labelNames: readonly string[];
  private readonly cells = new Map<string, Entry<C>>();

  constructor(options: FamilyOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.aggregator = options.aggregator ?? 'sum';
  }

  /** The series for these label values (in labelNames order), created on first use. */
  cell(...values: string[]): C {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (entry === undefined) {
      if (values.length !== this.labelNames.length) {
        throw new Error(
          `${this.name} takes ${this.labelNames.length} labels, got ${values.length}`,
        );
      }
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] as string));
      const labelText = this.labelNames
        .map((name, i) => `${name}="${escapeLabel(values[i] as string)}"`)
        .join(',');
      entry = { labels, labelText, cell: this.createCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  /** Drops the series whose labels fail `keep` (a route or upstream that left the config). */
  retain(keep: (labels: Readonly<Record<string, string>>) => boolean): void {
    for (const [key, entry] of this.cells) if (!keep(entry.labels)) this.cells.delete(key);
  }

  /** The family in the Prometheus text format (0.0.4). */
  async exposition(): Promise<string> {
    let text = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    let written = 0;
    for (const entry of this.cells.values()) {
      text += this.lines(entry.labelText, entry.cell);
      if (++written % SERIES_PER_SLICE === 0) await new Promise((r) => setImmediate(r));
    }
    return text;
  }

  json(): FamilyJson {
    const values: Sample[] = [];
    for (const { labels, cell } of this.cells.values()) this.samples(labels, cell, values);
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  protected abstract createCell(): C;
  protected abstract lines(labelText: string, cell: C): string;
  protected abstract samples(labels: Record<string, string>, cell: C, out: Sample[]): void;
}

/** A count that only goes up. */
export class CounterCell {
  value = 0;
}

export class CounterFamily extends CellFamily<CounterCell> {
  readonly type = 'counter';

  protected createCell(): CounterCell {
    return new CounterCell();
  }

  protected lines(labelText: string, cell: CounterCell): string {
    return `${this.name}${braced(labelText)} ${cell.value}\n`;
  }

  protected samples(labels: Record<string, string>, cell: CounterCell, out: Sample[]): void {
    out.push({ value: cell.value, labels });
  }
}

/** A value that goes up and down (connections open, subscribers). */
export class GaugeCell {
  value = 0;
}

export class GaugeFamily extends CellFamily<GaugeCell> {
  readonly type = 'gauge';

  protected createCell(): GaugeCell {
    return new GaugeCell();
  }

  protected lines(labelText: string, cell: GaugeCell): string {
    return `${this.name}${braced(labelText)} ${cell.value}\n`;
  }

  protected samples(labels: Record<string, string>, cell: GaugeCell, out: Sample[]): void {
    out.push({ value: cell.value, labels });
  }
}

/** Observations counted per bucket (not cumulative: summed up at scrape time). */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length);
  }

  /** `times`: the same value observed that many times (one message fanned out). */
  observe(value: number, times = 1): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + times;
    this.sum += value * times;
    this.count += times;
  }
}

export class HistogramFamily extends CellFamily<HistogramCell> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;
  /** `,le="0.005"`, built once. */
  private readonly le: string[];

  constructor(options: FamilyOptions & { buckets: readonly number[] }) {
    super(options);
    this.bounds = Float64Array.from(options.buckets);
    this.le = options.buckets.map((b) => `le="${b}"`);
  }

  protected createCell(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  protected lines(labelText: string, cell: HistogramCell): string {
    const sep = labelText === '' ? '' : ',';
    const bucket = `${this.name}_bucket{${labelText}${sep}`;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.le.length; i++) {
      cumulative += cell.counts[i] as number;
      out += `${bucket}${this.le[i]}} ${cumulative}\n`;
    }
    const labels = braced(labelText);
    return (
      `${out}${bucket}le="+Inf"} ${cell.count}\n` +
      `${this.name}_sum${labels} ${cell.sum}\n${this.name}_count${labels} ${cell.count}\n`
    );
  }

  protected samples(labels: Record<string, string>, cell: HistogramCell, out: Sample[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += cell.counts[i] as number;
      out.push({
        value: cumulative,
        labels: { ...labels, le: this.bounds[i] as number },
        metricName: `${this.name}_bucket`,
      });
    }
    out.push(
      { value: cell.count, labels: { ...labels, le: '+Inf' }, metricName: `${this.name}_bucket` },
      { value: cell.sum, labels, metricName: `${this.name}_sum` },
      { value: cell.count, labels, metricName: `${this.name}_count` },
    );
  }
}

function braced(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
