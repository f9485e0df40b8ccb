// Allocation harness: what one proxied request costs a target in heap bytes, GC time and CPU
// time, over a fixed request count. See bench/README.md ("Allocations per request").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort, killAllNow, startProcess, stopAll, stopProcess } from './lib/process.mjs';
import { writeSection } from './lib/report.mjs';
import {
  CPU,
  TARGETS,
  startGatewayd,
  startNodePeer,
  startOrigin,
  startOtlpSink,
} from './targets.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(import.meta.dirname, 'RESULTS.md');
const PROBE = join(import.meta.dirname, 'lib', 'alloc-probe.mjs');
const LOAD = join(import.meta.dirname, 'lib', 'fixed-load.mjs');
const LOAD_TIMEOUT_MS = 120_000;

/** What can be measured: the gatewayd targets that need no Redis, and the bare peer. */
const SCENARIOS = Object.fromEntries([
  ...TARGETS.filter((t) => t.launch !== undefined && !t.needsRedis).map((t) => [
    t.name,
    {
      needsOtlpSink: t.needsOtlpSink === true,
      start: (ctx, run) => startGatewayd(ctx, { ...t.launch, ...run }),
    },
  ]),
  [
    'bare-uws-undici',
    { needsOtlpSink: false, start: (ctx, run) => startNodePeer(ctx, 'bare-uws-undici', run) },
  ],
]);
const DEFAULT_TARGETS = ['gatewayd', 'gatewayd+full', 'bare-uws-undici'];

const USAGE = `Usage: node bench/alloc.mjs [options]   (or: npm run bench:alloc -- [options])

  --targets a,b        default: ${DEFAULT_TARGETS.join(',')}; also ${Object.keys(SCENARIOS)
    .filter((n) => !DEFAULT_TARGETS.includes(n))
    .join(', ')}
  --requests N         measured requests per round (default 20000)
  --warmup N           requests before measuring, per target (default 5000)
  --concurrency C      requests in flight (default 50)
  --rounds N           measured rounds per target; medians are reported (default 3)
  --before DIR         also measure the gatewayd targets of the built checkout DIR
  --cpu-prof DIR       write a V8 CPU profile of each target's last measured round into DIR
                       (read it with bench/profile-summary.mjs)
  --heap-prof DIR      instead, a V8 sampling heap profile of that round, collected objects
                       included (read it with bench/heap-summary.mjs): where the bytes come from
  --write              save the table as the "allocations" section of bench/RESULTS.md
  --label NAME         the section --write replaces (default "allocations")
  --help               show this`;

function parseCli(args) {
  const { values } = parseArgs({
    args,
    options: {
      targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
      requests: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
      before: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'heap-prof': { type: 'string' },
      write: { type: 'boolean', default: false },
      label: { type: 'string', default: 'allocations' },
      help: { type: 'boolean', default: false },
    },
  });
  const names = values.targets.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(name in SCENARIOS)) throw new Error(`unknown target "${name}"`);
  }
  const before = values.before === undefined ? null : resolve(values.before);
  if (before !== null && !existsSync(join(before, 'bin', 'gatewayd')))
    throw new Error(`--before: ${before}/bin/gatewayd does not exist`);
  const runs = names.flatMap((name) => [
    ...(before !== null && name.startsWith('gatewayd')
      ? [{ label: `${name}@before`, name, root: before }]
      : []),
    { label: name, name, root: undefined },
  ]);
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer`);
    return n;
  };
  return {
    help: values.help,
    runs,
    requests: int('requests'),
    warmup: int('warmup'),
    concurrency: int('concurrency'),
    rounds: int('rounds'),
    cpuProf: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    heapProf: values['heap-prof'] === undefined ? null : resolve(values['heap-prof']),
    write: values.write,
    label: values.label,
  };
}

async function probe(port, action) {
  const res = await fetch(`http://127.0.0.1:${port}/${action}`, { method: 'POST' });
  if (!res.ok) throw new Error(`probe ${action}: HTTP ${res.status}`);
  return res.json();
}

/** Runs the fixed-count client on the load CPU; resolves to its report. */
async function fixedLoad(port, headers, requests, concurrency) {
  const args = [LOAD, `http://127.0.0.1:${port}/`, String(requests), String(concurrency)];
  args.push(JSON.stringify(headers ?? {}));
  const proc = startProcess(process.execPath, args, {
    cpu: CPU.loadgen,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let out = '';
  proc.child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
  proc.child.stderr.setEncoding('utf8').on('data', (c) => (out += c));
  const done = await Promise.race([
    proc.exited.then(() => true),
    sleep(LOAD_TIMEOUT_MS).then(() => false),
  ]);
  if (!done) {
    await stopProcess(proc);
    throw new Error(`the load client did not finish within ${LOAD_TIMEOUT_MS / 1000} s`);
  }
  if (proc.reason !== 'exit code 0') throw new Error(`load client: ${proc.reason}: ${out}`);
  const report = JSON.parse(out.trim().split('\n').at(-1));
  if (report.failures > 0) throw new Error(`${report.failures} requests failed`);
  return report;
}

async function measureOne(ctx, run, opts) {
  const probePort = await freePort();
  const nodeArgs = ['--import', PROBE];
  const env = { ALLOC_PROBE_PORT: String(probePort) };
  if (opts.cpuProf !== null) {
    mkdirSync(opts.cpuProf, { recursive: true });
    // The last measured round's profile stays: each round overwrites the one before.
    env.ALLOC_PROBE_PROFILE = join(opts.cpuProf, `${run.label}.cpuprofile`);
  } else if (opts.heapProf !== null) {
    mkdirSync(opts.heapProf, { recursive: true });
    env.ALLOC_PROBE_HEAP_PROFILE = join(opts.heapProf, `${run.label}.heapprofile`);
  }
  const started = await SCENARIOS[run.name].start(ctx, { root: run.root, nodeArgs, env });
  try {
    await fixedLoad(started.port, started.headers, opts.warmup, opts.concurrency);
    const samples = [];
    for (let round = 0; round < opts.rounds; round++) {
      await sleep(300);
      await probe(probePort, 'start');
      const load = await fixedLoad(started.port, started.headers, opts.requests, opts.concurrency);
      const m = await probe(probePort, 'stop');
      const sample = {
        bytes: m.allocatedBytes / opts.requests,
        gcMicros: m.gcMicros / opts.requests,
        cpuMicros: m.cpuMicros / opts.requests,
        gcCount: m.gcCount,
        rps: opts.requests / load.seconds,
      };
      samples.push(sample);
      console.log(
        `${run.label.padEnd(26)} round ${round + 1}: ${Math.round(sample.bytes)} B/req, ` +
          `GC ${sample.gcMicros.toFixed(2)} µs/req (${m.gcCount} GCs), ` +
          `CPU ${sample.cpuMicros.toFixed(1)} µs/req; GC µs by type ${JSON.stringify(m.gcMicrosByType)}`,
      );
    }
    return samples;
  } finally {
    await stopProcess(started.proc);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function table(results, opts) {
  const rows = [
    '| target | heap bytes / request | GC pause µs / request (wall) | CPU µs / request | GC pause / CPU time |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const { label, samples } of results) {
    const bytes = median(samples.map((s) => s.bytes));
    const gc = median(samples.map((s) => s.gcMicros));
    const cpu = median(samples.map((s) => s.cpuMicros));
    rows.push(
      `| ${label} | ${Math.round(bytes)} | ${gc.toFixed(2)} | ${cpu.toFixed(1)} | ${((100 * gc) / cpu).toFixed(1)}% |`,
    );
  }
  return [
    `Medians of ${opts.rounds} round(s) of ${opts.requests} GET requests (${opts.concurrency} in flight, after ${opts.warmup} warm-up requests); target on CPU ${CPU.target}, client and origin on CPU ${CPU.loadgen}.`,
    '',
    ...rows,
  ].join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const opts = parseCli(args);
  if (opts.help) return console.log(USAGE);
  const tmp = mkdtempSync(join(tmpdir(), 'gatewayd-alloc-'));
  process.once('exit', () => {
    killAllNow();
    rmSync(tmp, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => stopAll().finally(() => process.exit(130)));
  }
  try {
    const ctx = { root: ROOT, tmp };
    const origin = await startOrigin(ctx, 'origin', CPU.loadgen);
    ctx.originPort = origin.port;
    if (opts.runs.some((run) => SCENARIOS[run.name].needsOtlpSink))
      ctx.otlpUrl = (await startOtlpSink(ctx)).url;
    const results = [];
    for (const run of opts.runs)
      results.push({ label: run.label, samples: await measureOne(ctx, run, opts) });
    const body = table(results, opts);
    const date = execFileSync('date', ['-u'], { encoding: 'utf8' }).trim();
    const section = [
      `## ${opts.label}`,
      '',
      `- Date: ${date}`,
      `- Command: \`node bench/alloc.mjs ${args.join(' ')}\``,
      '',
      body,
    ].join('\n');
    console.log(`\n${section}`);
    if (opts.write) writeSection(RESULTS_FILE, opts.label, section);
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(`alloc: ${err.message}`);
  process.exitCode = 1;
});
