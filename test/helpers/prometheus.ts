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
  const res = await request(url);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`scrape ${url}: ${res.statusCode} ${text}`);
  return parsePrometheus(text);
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
