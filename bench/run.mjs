// Benchmark harness: gatewayd against other proxies in front of one origin. See bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { killAllNow, onPath, shuttingDown, stopAll, tail, treeRssBytes } from './lib/process.mjs';
import { ratiosTable, resultsTable, summarize, writeSection } from './lib/report.mjs';
import { runWrk } from './lib/wrk.mjs';
import {
  BASELINES,
  BEFORE,
  CPU,
  TARGETS,
  gatewaydBefore,
  originKind,
  startOrigin,
  startOtlpSink,
  startRedisServer,
} from './targets.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(import.meta.dirname, 'RESULTS.md');
const MIB = 1024 * 1024;
// Pause before each run so the previous target's after-work (GC, closing sockets) is done.
const SETTLE_MS = 500;

const USAGE = `Usage: node bench/run.mjs [options]   (or: npm run bench -- [options])

  --targets a,b       targets to run, in this order (default: all)
                      known: ${TARGETS.map((t) => t.name).join(', ')}
  --rounds N          measured rounds, each running every target once (default 5)
  --duration S        seconds per measured wrk run (default 5)
  --connections C     wrk connections (default 50)
  --warmup S          seconds of warm-up per target before round 1 (default 2)
  --before DIR        also run ${BEFORE}: bin/gatewayd of the built checkout DIR (e.g. a git
                      worktree of the parent commit), as a baseline for every gatewayd target
  --override T=FILE   deep-merge the YAML fragment FILE into target T's config (repeatable)
  --write             also save the results as a section of bench/RESULTS.md
  --label NAME        which section of RESULTS.md --write replaces (default "latest")
  --help              show this`;

function parseCli(args) {
  const { values } = parseArgs({
    args,
    options: {
      targets: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '2' },
      override: { type: 'string', multiple: true, default: [] },
      before: { type: 'string' },
      write: { type: 'boolean', default: false },
      label: { type: 'string', default: 'latest' },
      help: { type: 'boolean', default: false },
    },
  });
  const targets = selectTargets(values.targets);
  if (values.before !== undefined) {
    const bin = join(resolve(values.before), 'bin', 'gatewayd');
    if (!existsSync(bin)) throw new Error(`--before: ${bin} does not exist`);
    targets.unshift(gatewaydBefore(resolve(values.before)));
  }
  if (!/^[\w.+-]+$/.test(values.label)) throw new Error(`--label: use letters, digits, . + - _`);
  return {
    help: values.help,
    targets,
    rounds: positiveInt('rounds', values.rounds),
    duration: positiveInt('duration', values.duration),
    connections: positiveInt('connections', values.connections),
    warmup: positiveInt('warmup', values.warmup),
    overrides: loadOverrides(values.override, targets),
    write: values.write,
    label: values.label,
  };
}

function positiveInt(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name}: expected a positive integer`);
  return value;
}

function selectTargets(list) {
  if (list === undefined) return [...TARGETS];
  return list.split(',').map((name) => {
    const target = TARGETS.find((t) => t.name === name.trim());
    if (!target) throw new Error(`unknown target "${name}"; known: ${TARGETS.map((t) => t.name)}`);
    return target;
  });
}

/** --override T=FILE → Map(T → parsed fragment), checked against the selected targets. */
function loadOverrides(specs, targets) {
  const overrides = new Map();
  for (const spec of specs) {
    const [name, file] = spec.split(/=(.*)/s);
    const target = targets.find((t) => t.name === name);
    if (!file || !target)
      throw new Error(`--override ${spec}: expected T=FILE, T a selected target`);
    if (!target.configurable) throw new Error(`--override: target ${name} takes no YAML config`);
    overrides.set(name, YAML.parse(readFileSync(file, 'utf8')) ?? {});
  }
  return overrides;
}

function machineInfo() {
  const tools = ['nginx', 'wrk'].filter(onPath).map((cmd) => toolVersion(cmd));
  return [
    `nproc ${availableParallelism()}`,
    cpus()[0]?.model ?? 'unknown CPU',
    `Linux ${release()}`,
    `Node ${process.version}`,
    ...tools,
  ].join(', ');
}

function toolVersion(cmd) {
  const { stdout, stderr } = spawnSync(cmd, ['-v'], { encoding: 'utf8', timeout: 5000 });
  const first = `${stdout ?? ''}${stderr ?? ''}`.split('\n')[0];
  return first.replace(/^nginx version: /, '').replace(/\s*Copyright.*$/, '');
}

function commandLine(args) {
  const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return ['node', 'bench/run.mjs', ...args.map(quote)].join(' ');
}

/** Starts the selected targets one by one; a target that fails is reported and left out. */
async function startTargets(targets, ctx, skipped) {
  const runs = [];
  for (const target of targets) {
    try {
      const started = await target.start(ctx);
      console.log(`started ${target.name} on 127.0.0.1:${started.port} (pid ${started.proc.pid})`);
      runs.push({ ...target, ...started, samples: [], maxRssBytes: 0 });
    } catch (err) {
      console.log(`skipped ${target.name}: ${err.message}`);
      skipped.push({ name: target.name, reason: err.message });
    }
  }
  return runs;
}

/** One wrk run against a target; a dead target or origin is blamed before wrk's complaint. */
async function load(run, seconds, opts, origin) {
  await sleep(SETTLE_MS);
  const result = await runWrk({
    port: run.port,
    scheme: run.scheme,
    seconds,
    connections: opts.connections,
    cpu: CPU.loadgen,
    headers: run.headers,
    script: run.script,
  }).catch((err) => err);
  // A dead process leaves wrk counting only errors: such numbers must not be reported.
  if (origin.proc.reason !== null) {
    const err = new Error(`origin ended (${origin.proc.reason})${tail(origin.log)}`);
    throw Object.assign(err, { fatal: true });
  }
  if (run.proc.reason !== null) throw new Error(`ended (${run.proc.reason})${tail(run.log)}`);
  if (result instanceof Error) throw result;
  return result;
}

/** Runs fn for each live run; a failing run is dropped (recorded in skipped), others go on. */
async function forEachLive(runs, skipped, fn) {
  for (const run of runs.filter((r) => !r.failed)) {
    try {
      await fn(run);
    } catch (err) {
      if (err.fatal || shuttingDown()) throw err;
      console.log(`dropped ${run.name}: ${err.message}`);
      run.failed = true;
      skipped.push({ name: run.name, reason: err.message });
    }
  }
}

async function measure(runs, opts, origin, skipped) {
  await forEachLive(runs, skipped, async (run) => {
    console.log(`warm-up ${run.name} (${opts.warmup} s)`);
    await load(run, opts.warmup, opts, origin);
  });
  for (let round = 0; round < opts.rounds; round++) {
    // Each round starts one target later, so no target always runs first or after the same one.
    const order = runs.map((_, i) => runs[(i + round) % runs.length]);
    await forEachLive(order, skipped, async (run) => {
      const sample = await load(run, opts.duration, opts, origin);
      const rss = treeRssBytes(run.proc.pid);
      run.samples.push(sample);
      run.maxRssBytes = Math.max(run.maxRssBytes, rss);
      console.log(
        `round ${round + 1}/${opts.rounds} ${run.name.padEnd(20)} ${Math.round(sample.rps)} req/s` +
          `  p99 ${sample.p99Ms.toFixed(2)} ms  rss ${(rss / MIB).toFixed(1)} MiB` +
          (sample.errors ? `  ${sample.errors} errors` : ''),
      );
    });
  }
}

function reportBody(runs, skipped, opts, info) {
  const summaries = runs.filter((r) => !r.failed).map(summarize);
  // Plain gatewayd is a baseline too: a variant's cost (metrics, tracing, auth) is its ratio to it.
  const ratios = ratiosTable(summaries, [BEFORE, 'gatewayd', ...BASELINES]);
  const lines = [
    `## ${opts.label}`,
    '',
    `- Date: ${info.date}`,
    `- Command: \`${info.command}\``,
    `- Machine: ${info.machine}`,
    `- Protocol: origin ${originKind()} answering 200 "ok"; each target pinned to CPU ${CPU.target},` +
      ` wrk -t1 -c${opts.connections} and the origin to CPU ${CPU.loadgen}; ${opts.warmup} s` +
      ` warm-up per target, then ${opts.rounds} interleaved round(s) of ${opts.duration} s.`,
    '',
    resultsTable(summaries),
    '',
    ratios
      ? `Ratios of medians, target / baseline (req/s: higher is better, p99: lower is better):\n\n${ratios}`
      : 'No ratios: a gatewayd target and a baseline must both finish.',
  ];
  if (skipped.length) {
    lines.push('', 'Not measured:', '');
    for (const { name, reason } of skipped) lines.push(`- ${name}: ${reason.split('\n')[0]}`);
  }
  return lines.join('\n');
}

async function bench(opts, tmp, info) {
  console.log(`${info.machine}\n`);
  const ctx = { root: ROOT, tmp, fragmentFor: (name) => opts.overrides.get(name) ?? {} };
  const origin = await startOrigin(ctx, 'origin', CPU.loadgen).catch((err) => {
    throw new Error(`origin (${originKind()}) did not start: ${err.message}`, { cause: err });
  });
  ctx.originPort = origin.port;
  console.log(`started origin (${originKind()}) on 127.0.0.1:${origin.port}`);
  let targets = opts.targets;
  if (targets.some((target) => target.needsRedis)) {
    const redis = await startRedisServer(ctx).catch((err) => err);
    if (redis instanceof Error) {
      console.log(`skipped the targets that need Redis: ${redis.message}`);
      targets = targets.filter((target) => !target.needsRedis);
    } else {
      ctx.redisUrl = redis.url;
      console.log(`started redis-server on ${redis.url}`);
    }
  }

  if (targets.some((target) => target.needsOtlpSink)) {
    const sink = await startOtlpSink(ctx);
    ctx.otlpUrl = sink.url;
    console.log(`started an OTLP sink on ${sink.url}`);
  }

  const skipped = [];
  const runs = await startTargets(targets, ctx, skipped);
  if (!runs.length) throw new Error('no target started');
  await measure(runs, opts, origin, skipped);
  if (runs.every((r) => r.failed)) throw new Error('every target failed');

  const body = reportBody(runs, skipped, opts, info);
  console.log(`\n${body}`);
  if (opts.write) {
    writeSection(RESULTS_FILE, opts.label, body);
    console.log(`\nwrote section "${opts.label}" of ${RESULTS_FILE}`);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const opts = parseCli(args);
  if (opts.help) return console.log(USAGE);
  const info = {
    date: execFileSync('date', ['-u'], { encoding: 'utf8' }).trim(),
    command: commandLine(args),
    machine: machineInfo(),
  };

  const tmp = mkdtempSync(join(tmpdir(), 'gatewayd-bench-'));
  // nginx workers run as nobody and must be able to reach their temp dirs under here.
  chmodSync(tmp, 0o755);
  let cleaning;
  const cleanup = () =>
    (cleaning ??= stopAll().finally(() => rmSync(tmp, { recursive: true, force: true })));
  // Safety net for paths that skip `finally` (a second signal, process.exit elsewhere).
  process.once('exit', () => {
    killAllNow();
    rmSync(tmp, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping everything started`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await bench(opts, tmp, info);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
});
