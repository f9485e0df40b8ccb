// `npm run mutation [-- "group name" ...]`: StrykerJS over the security-critical modules listed in
// test/mutation/modules.mjs, one Stryker run per group, each mutant run against the in-process tap
// files of its group that cover it, one at a time. Each group's outcome (date, command, counts,
// survivors) is kept in test/mutation/results.json, so re-running one group updates its row, and
// test/mutation/RESULTS.md is written from all of them.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { EQUIVALENT, MODULES, SKIPPED_TESTS } from '../test/mutation/modules.mjs';

const root = resolve(import.meta.dirname, '..');
const resultsFile = resolve(root, 'test/mutation/results.json');
// `--report` writes RESULTS.md from results.json again (after an EQUIVALENT edit) without a run.
const reportOnly = process.argv.includes('--report');
// `--survivors` runs only the mutants that survived a group's last run, after tests were added:
// a whole run of the router or the auth providers takes an hour on a shared machine.
const survivorsOnly = process.argv.includes('--survivors');
const wanted = process.argv.slice(2).filter((a) => a !== '--report' && a !== '--survivors');
// A group by name, or one file of a group: that file alone is run, and its counts and survivors
// replace the file's in the group's result (a long group can be done one file at a time).
const groupOf = (w) => MODULES.find((g) => g.name === w || g.mutate.includes(w));
const unknown = wanted.filter((w) => groupOf(w) === undefined);
if (unknown.length > 0) {
  console.error(`no group ${unknown.join(', ')}; groups: ${MODULES.map((g) => g.name).join(', ')}`);
  process.exit(2);
}
// In the order asked for, so the groups wanted first are done first; files of one group named
// one after the other make one run.
const runs = [];
for (const w of reportOnly ? [] : wanted.length === 0 ? MODULES.map((g) => g.name) : wanted) {
  const group = groupOf(w);
  const previous = runs.at(-1);
  if (group.name === w) runs.push({ group, files: group.mutate });
  else if (previous?.group === group && previous.files !== group.mutate) previous.files.push(w);
  else runs.push({ group, files: [w] });
}

// tap's filter reads these in every test process: skip the speed tests.
process.env.TAP_GREP = SKIPPED_TESTS.join('\n');
process.env.TAP_INVERT = '1';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const oneLine = (s) => s.replace(/\s+/g, ' ').trim().slice(0, 100);

/** The source text a mutant replaced (Stryker's report locations are 1-based). */
function original(file, { start, end }) {
  const lines = readFileSync(resolve(root, file), 'utf8').split('\n');
  const text =
    start.line === end.line
      ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
      : [
          lines[start.line - 1].slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          lines[end.line - 1].slice(0, end.column - 1),
        ].join('\n');
  return oneLine(text);
}

/** What the mutated files held when they were mutated, so a later run can tell they changed. */
function sourceHashes(files) {
  return Object.fromEntries(
    files.map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(resolve(root, file)))
        .digest('hex'),
    ]),
  );
}

function stryker(group, mutate) {
  return new Stryker({
    testRunner: 'tap',
    plugins: ['@stryker-mutator/tap-runner'],
    tap: { testFiles: group.tests, nodeArgs: ['--import=tsx'] },
    mutate,
    coverageAnalysis: 'perTest',
    concurrency: 1,
    checkers: [],
    reporters: ['progress-append-only'],
    tempDirName: '.stryker-tmp',
    ignorePatterns: ['dist', 'reports', 'bench', 'coverage', '.tap', 'examples', 'test/fixtures'],
    // Generous: on a loaded machine a normal run can take seconds longer than the dry run did,
    // and a mutant that merely ran slowly must not count as killed.
    timeoutMS: 15_000,
    cleanTempDir: 'always',
  }).runMutationTest();
}

async function runGroup(group, mutate) {
  const started = Date.now();
  const sources = sourceHashes(mutate);
  const mutants = await stryker(group, mutate);
  const files = {};
  for (const file of mutate) files[file] = { killed: 0, timedOut: 0, survived: 0, errors: 0 };
  const survivors = [];
  // Why mutants counted as errors did not run: a status (CompileError, RuntimeError, Ignored)
  // with how many and the first reason Stryker gave.
  const errorKinds = {};
  for (const m of mutants) {
    const file = relative(root, m.fileName);
    const counts = files[file];
    if (m.status === 'Timeout') counts.timedOut++;
    if (DETECTED.has(m.status)) counts.killed++;
    else if (UNDETECTED.has(m.status)) {
      counts.survived++;
      survivors.push({
        file,
        line: m.location.start.line,
        mutator: m.mutatorName,
        status: m.status,
        original: original(file, m.location),
        replacement: oneLine(m.replacement),
        location: m.location,
      });
    } else {
      counts.errors++;
      errorKinds[file] ??= {};
      errorKinds[file][m.status] ??= { count: 0, example: oneLine(m.statusReason ?? '') };
      errorKinds[file][m.status].count++;
    }
  }
  const whole = mutate.length === group.mutate.length;
  const run = {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run mutation -- ${whole ? JSON.stringify(group.name) : mutate.join(' ')}`,
    minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
    files: mutate,
  };
  return { runs: [run], sources, files, errorKinds, survivors };
}

/** The runs of a result; results written before runs were kept per file have one for all. */
const runsOf = (result, group) =>
  result.runs ?? [
    { date: result.date, command: result.command, minutes: result.minutes, files: group.mutate },
  ];

/** A run of some files of a group laid over the group's last result: those files replaced. */
function merge(group, last, part) {
  if (last === undefined || part.runs[0].files.length === group.mutate.length) return part;
  const ran = new Set(part.runs[0].files);
  const keep = (o) => Object.fromEntries(Object.entries(o ?? {}).filter(([f]) => !ran.has(f)));
  const earlier = runsOf(last, group)
    .map((r) => ({ ...r, files: r.files.filter((f) => !ran.has(f)) }))
    .filter((r) => r.files.length > 0);
  return {
    runs: [...earlier, ...part.runs],
    sources: { ...keep(last.sources), ...part.sources },
    files: { ...keep(last.files), ...part.files },
    errorKinds: { ...keep(last.errorKinds), ...part.errorKinds },
    survivors: [...last.survivors.filter((s) => !ran.has(s.file)), ...part.survivors],
    rechecks: last.rechecks,
    note: last.note,
  };
}

/**
 * Runs again the mutants that survived `last`, the group's last run, and moves those the tests
 * now detect to "killed". Only sound while the mutated files are as they were (the mutants and
 * their places are the same); a killed mutant stays killed, tests having only been added.
 */
async function rerunSurvivors(group, last) {
  const changed = Object.keys(last.files).filter((f) => last.sources?.[f] !== sourceHashes([f])[f]);
  if (changed.length > 0 || last.survivors.some((s) => s.location === undefined)) {
    throw new Error(
      `${group.name}: ${changed.length > 0 ? `${changed.join(', ')} changed` : 'survivors without a location'} since its last run; run the whole group`,
    );
  }
  const open = last.survivors.filter((s) => equivalence(s) === undefined);
  if (open.length === 0) return last;
  const started = Date.now();
  const ranges = open.map((s) => `${s.file}:${s.location.start.line}-${s.location.end.line}`);
  const mutants = await stryker(group, [...new Set(ranges)]);
  const samePlace = (a, b) => a.line === b.line && a.column === b.column;
  const files = JSON.parse(JSON.stringify(last.files));
  let killed = 0;
  const survivors = last.survivors.filter((s) => {
    const m = mutants.find(
      (m) =>
        relative(root, m.fileName) === s.file &&
        m.mutatorName === s.mutator &&
        oneLine(m.replacement) === s.replacement &&
        samePlace(m.location.start, s.location.start) &&
        samePlace(m.location.end, s.location.end),
    );
    if (m === undefined || !DETECTED.has(m.status)) return true;
    const counts = files[s.file];
    counts.survived--;
    counts.killed++;
    if (m.status === 'Timeout') counts.timedOut++;
    killed++;
    return false;
  });
  const recheck = {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run mutation -- --survivors ${JSON.stringify(group.name)}`,
    minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
    rerun: open.length,
    killed,
  };
  return { ...last, files, survivors, rechecks: [...(last.rechecks ?? []), recheck] };
}

/** Line `n` (1-based) of a file, trimmed: what an entry's `line` or `lineBefore` names. */
function sourceLine(file, n) {
  return (readFileSync(resolve(root, file), 'utf8').split('\n')[n - 1] ?? '').trim();
}

function equivalence(s) {
  return EQUIVALENT.find(
    (e) =>
      s.file.endsWith(e.file) &&
      e.mutator === s.mutator &&
      e.original === s.original &&
      e.replacement === s.replacement &&
      (e.line === undefined || e.line === sourceLine(s.file, s.line)) &&
      (e.lineBefore === undefined || e.lineBefore === sourceLine(s.file, s.line - 1)),
  );
}

/** Counts over some files of one group's result; equivalent survivors counted apart. */
function tally(result, files) {
  const n = { killed: 0, timedOut: 0, survived: 0, equivalent: 0, errors: 0 };
  for (const file of files) {
    const c = result.files[file];
    if (c === undefined) continue;
    n.killed += c.killed;
    n.timedOut += c.timedOut ?? 0;
    n.errors += c.errors;
  }
  for (const s of result.survivors) {
    if (!files.includes(s.file)) continue;
    if (equivalence(s)) n.equivalent++;
    else n.survived++;
  }
  const valid = n.killed + n.survived + n.equivalent;
  n.score = valid === 0 ? 100 : (100 * n.killed) / valid;
  n.net = valid - n.equivalent === 0 ? 100 : (100 * n.killed) / (valid - n.equivalent);
  return n;
}

const pct = (x) => `${x.toFixed(1)}%`;
const cells = (n) =>
  `${n.killed + n.survived + n.equivalent + n.errors} | ${n.killed} | ${n.timedOut} | ${n.survived} | ${n.equivalent} | ${n.errors} | ${pct(n.score)} | ${pct(n.net)}`;

function render(all) {
  const out = [
    '# Mutation score of the security-critical modules',
    '',
    'Written by `npm run mutation` (scripts/mutation.mjs) from test/mutation/results.json; the',
    'modules and their tests are listed in test/mutation/modules.mjs. StrykerJS with its tap runner',
    'runs each mutant against the in-process test files of its group that cover it, concurrency 1.',
    'Score = killed (or timed out) / (killed + survived + equivalent), a survivor being any mutant no',
    'test detects, covered or not; the last column leaves the equivalent mutants listed below out.',
    '"Timed out" (a mutant that made its tests run past the timeout, an endless loop mostly) is part',
    'of "killed"; on a loaded machine a slow run can time out too. "errors" are mutants that did not',
    'compile or load; they count nowhere.',
    '',
    '| module | run | minutes | mutants | killed | of which timed out | survived | equivalent | errors | score | score less equivalent |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const perFile = [];
  const survivors = [];
  const notes = [];
  for (const group of MODULES) {
    const result = all[group.name];
    if (result === undefined) {
      out.push(`| ${group.name} | not run | | | | | | | | | |`);
      continue;
    }
    const groupRuns = runsOf(result, group);
    const when = groupRuns.map((r) => `${r.date}, \`${r.command}\``).join('; ');
    const minutes = groupRuns.reduce((sum, r) => sum + r.minutes, 0).toFixed(1);
    out.push(`| ${group.name} | ${when} | ${minutes} | ${cells(tally(result, group.mutate))} |`);
    for (const file of group.mutate) {
      perFile.push(
        result.files[file] === undefined
          ? `| ${file} | not run | | | | | | | |`
          : `| ${file} | ${cells(tally(result, [file]))} |`,
      );
    }
    const notRun = group.mutate.filter((f) => result.files[f] === undefined);
    if (notRun.length > 0) {
      notes.push(`- ${group.name}: not run yet, so not in its row: ${notRun.join(', ')}.`);
    }
    if (result.note) notes.push(`- ${group.name}: ${result.note}.`);
    for (const r of result.rechecks ?? []) {
      notes.push(
        `- ${group.name}: its ${r.rerun} unexplained survivors run again on ${r.date} with \`${r.command}\` (${r.minutes} minutes), after new tests: ${r.killed} killed, counted as killed above.`,
      );
    }
    // Kept per file; a run before that kept them per group, under their status.
    const flat = Object.values(result.errorKinds ?? {}).some((v) => 'count' in v);
    const byFile = flat ? { [group.name]: result.errorKinds } : (result.errorKinds ?? {});
    for (const [file, kinds] of Object.entries(byFile)) {
      for (const [status, { count, example }] of Object.entries(kinds)) {
        notes.push(
          `- ${file}: ${count} errors are ${status}${example ? `, such as "${example}"` : ''}.`,
        );
      }
    }
    for (const s of result.survivors) {
      const why = equivalence(s)?.why ?? '**Not explained: needs a test or a reason.**';
      survivors.push(
        `- ${s.file}:${s.line} ${s.mutator} (${s.status}): \`${s.original}\` → \`${s.replacement}\`. ${why}`,
      );
    }
  }
  if (notes.length > 0) out.push('', ...notes);
  out.push(
    '',
    '## Per file',
    '',
    '| file | mutants | killed | of which timed out | survived | equivalent | errors | score | score less equivalent |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...perFile,
    '',
    '## Surviving mutants',
    '',
    ...(survivors.length === 0 ? ['None.'] : survivors),
  );
  return `${out.join('\n')}\n`;
}

// Read again before each write: another run of other groups may have finished meanwhile.
const readResults = () =>
  JSON.parse(readFileSync(resultsFile, { encoding: 'utf8', flag: 'a+' }) || '{}');
for (const { group, files } of runs) {
  let result;
  if (survivorsOnly) {
    const last = readResults()[group.name];
    if (last === undefined) throw new Error(`${group.name} has not run yet: run the whole group`);
    result = await rerunSurvivors(group, last);
  } else {
    result = await runGroup(group, files);
  }
  const all = readResults();
  all[group.name] = survivorsOnly ? result : merge(group, all[group.name], result);
  writeFileSync(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(resolve(root, 'test/mutation/RESULTS.md'), render(all));
}
const all = readResults();
writeFileSync(resolve(root, 'test/mutation/RESULTS.md'), render(all));
process.stdout.write(render(all));
