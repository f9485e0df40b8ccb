import { createRequire } from 'node:module';
import { request } from 'undici';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped, label escapes undone). */
export function parsePrometheus(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq);
        i = eq + 2; // past ="
        let value = '';
        while (line[i] !== '"') {
          if (line[i] === '\\') {
            i++;
            value += line[i] === 'n' ? '\n' : line[i];
          } else value += line[i];
          i++;
        }
        labels[key] = value;
        i++; // past the closing quote
        if (line[i] === ',') i++;
      }
      i++;
    }
    samples.push({ name, labels, value: Number(line.slice(i).trim()) });
  }
  return samples;
}

/** Scrapes a metrics endpoint; rejects on a non-200 answer. */
export async function scrape(url: string): Promise<PromSample[]> {
  return parsePrometheus(await scrapeText(url));
}

/** The exposition text of a metrics endpoint; rejects on a non-200 answer. */
export async function scrapeText(url: string): Promise<string> {
  const res = await request(url);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`scrape ${url}: ${res.statusCode} ${text}`);
  return text;
}

/** The value of the one sample with this name and (at least) these labels; undefined if none. */
export function valueOf(
  samples: readonly PromSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length}`);
  return found[0]?.value;
}

/** A sample's identity: name and sorted labels, as Prometheus keys a series. */
export function seriesKey(s: PromSample): string {
  const labels = Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b));
  return `${s.name}${JSON.stringify(labels)}`;
}

/** A family as parse-prometheus-text-format gives it (the package ships no types). */
interface ParsedFamily {
  name: string;
  help: string;
  /** Upper case: COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED. */
  type: string;
}

/** Throws on a line the text format does not allow. */
const parsePrometheusTextFormat = createRequire(import.meta.url)(
  'parse-prometheus-text-format',
) as (text: string) => ParsedFamily[];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/**
 * prom-client's Node.js gauges that name themselves `_total`: kept under their library names,
 * which existing Node.js dashboards query.
 */
const LIBRARY_TOTAL_GAUGES = new Set([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

/**
 * What `promtool check metrics` would object to in an exposition, plus gatewayd's own rules:
 * the text parses (parse-prometheus-text-format, a strict port of Prometheus's parser), every
 * family has a HELP and a TYPE and appears once, names carry `prefix`, counters and only
 * counters end in `_total`, no series is given twice, and each histogram's buckets are
 * cumulative and end in a +Inf bucket equal to its count. Empty when all is well.
 */
export function lintExposition(text: string, prefix = 'gatewayd_'): string[] {
  let families: ParsedFamily[];
  try {
    families = parsePrometheusTextFormat(text);
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    const where = `${f.name} (${f.type.toLowerCase()})`;
    if (seen.has(f.name)) problems.push(`${where}: the family appears twice`);
    seen.add(f.name);
    if (!METRIC_NAME.test(f.name)) problems.push(`${where}: not a valid metric name`);
    if (!f.name.startsWith(prefix)) problems.push(`${where}: no ${prefix} prefix`);
    if (f.help === '') problems.push(`${where}: no HELP`);
    if (f.type === 'UNTYPED') problems.push(`${where}: no TYPE`);
    const total = f.name.endsWith('_total');
    const libraryName = LIBRARY_TOTAL_GAUGES.has(f.name.slice(prefix.length));
    if (f.type === 'COUNTER' && !total) problems.push(`${where}: a counter must end in _total`);
    if (f.type !== 'COUNTER' && total && !libraryName) {
      problems.push(`${where}: only counters end in _total`);
    }
  }
  const samples = parsePrometheus(text);
  const series = new Set<string>();
  for (const sample of samples) {
    const key = seriesKey(sample);
    if (series.has(key)) problems.push(`series ${key} is given twice`);
    series.add(key);
    for (const name of Object.keys(sample.labels)) {
      if (!LABEL_NAME.test(name) || name.startsWith('__')) {
        problems.push(`${sample.name}: bad label name ${name}`);
      }
    }
    if (Number.isNaN(sample.value)) problems.push(`${key}: the value is not a number`);
  }
  for (const f of families) {
    if (f.type === 'HISTOGRAM') problems.push(...histogramProblems(f.name, samples));
  }
  return problems;
}

/** Each series of histogram `name`: cumulative buckets, +Inf equal to _count, a _sum. */
function histogramProblems(name: string, samples: readonly PromSample[]): string[] {
  const problems: string[] = [];
  const withoutLe = (s: PromSample) =>
    JSON.stringify(
      Object.entries(s.labels)
        .filter(([k]) => k !== 'le')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const buckets = new Map<string, Array<[number, number]>>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    const list = buckets.get(withoutLe(s)) ?? [];
    list.push([le, s.value]);
    buckets.set(withoutLe(s), list);
  }
  const countOf = new Map(
    samples.filter((s) => s.name === `${name}_count`).map((s) => [withoutLe(s), s.value]),
  );
  const sums = new Set(samples.filter((s) => s.name === `${name}_sum`).map(withoutLe));
  for (const [labels, list] of buckets) {
    list.sort(([a], [b]) => a - b);
    const last = list.at(-1) as [number, number];
    if (last[0] !== Infinity) problems.push(`${name}${labels}: no +Inf bucket`);
    else if (last[1] !== countOf.get(labels)) {
      problems.push(
        `${name}${labels}: +Inf bucket ${last[1]} is not _count ${countOf.get(labels)}`,
      );
    }
    if (list.some(([, v], i) => i > 0 && v < (list[i - 1] as [number, number])[1])) {
      problems.push(`${name}${labels}: buckets are not cumulative`);
    }
    if (!sums.has(labels)) problems.push(`${name}${labels}: no _sum`);
  }
  return problems;
}
