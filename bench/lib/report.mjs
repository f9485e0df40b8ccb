// Turns per-round samples into the summary tables, and keeps bench/RESULTS.md up to date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 * 1024;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** samples: [{ rps, p99Ms, errors }] from the measured rounds (not the warm-up). */
export function summarize({ name, subject, samples, maxRssBytes }) {
  const rps = samples.map((s) => s.rps);
  return {
    name,
    subject,
    rounds: samples.length,
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    maxRssBytes,
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

export function resultsTable(summaries) {
  const header = [
    'target',
    'req/s (median)',
    'req/s (min–max)',
    'p99 ms (median)',
    'max RSS MiB',
    'errors',
  ];
  const rows = summaries.map((s) => [
    s.name,
    `${Math.round(s.rps)}`,
    `${Math.round(s.rpsMin)}–${Math.round(s.rpsMax)}`,
    s.p99Ms.toFixed(2),
    (s.maxRssBytes / MIB).toFixed(1),
    `${s.errors}`,
  ]);
  return markdownTable(header, rows);
}

/**
 * One row per subject, one column per baseline that ran: subject/baseline for median req/s
 * (higher is better) and median p99 (lower is better). Empty when there is nothing to compare.
 */
export function ratiosTable(summaries, baselineNames) {
  const subjects = summaries.filter((s) => s.subject);
  const baselines = baselineNames
    .map((name) => summaries.find((s) => s.name === name))
    .filter(Boolean);
  if (!subjects.length || !baselines.length) return '';
  const header = ['target', ...baselines.map((b) => `vs ${b.name}`)];
  const rows = subjects.map((s) => [
    s.name,
    ...baselines.map((b) => `${ratio(s.rps, b.rps)} req/s, ${ratio(s.p99Ms, b.p99Ms)} p99`),
  ]);
  return markdownTable(header, rows);
}

function ratio(a, b) {
  return `${(a / b).toFixed(2)}×`;
}

/** A column-aligned markdown table: readable in a terminal and as rendered markdown. */
function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  // First column is a name; the rest are numbers, right-aligned.
  const cell = (text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]));
  const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * Replaces the section marked with `label` in file, or appends it, so repeated runs with the
 * same label keep one current result while other labels stay.
 */
export function writeSection(file, label, body) {
  const start = `<!-- bench:${label}:start -->`;
  const end = `<!-- bench:${label}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const current = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmark results\n\nWritten by `npm run bench -- --write`; see bench/README.md.\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from !== -1 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
