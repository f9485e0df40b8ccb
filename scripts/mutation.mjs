// `npm run mutation [-- "group name" ...]`: StrykerJS over the security-critical modules listed in
// test/mutation/modules.mjs, one Stryker run per group, each mutant run against the in-process tap
// files of its group that cover it, one at a time. Each group's outcome (date, command, counts,
// survivors) is kept in test/mutation/results.json, so re-running one group updates its row, and
// test/mutation/RESULTS.md is written from all of them.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { EQUIVALENT, MODULES, SKIPPED_TESTS } from '../test/mutation/modules.mjs';

const root = resolve(import.meta.dirname, '..');
const resultsFile = resolve(root, 'test/mutation/results.json');
// `--report` writes RESULTS.md from results.json again (after an EQUIVALENT edit) without a run.
const reportOnly = process.argv.includes('--report');
const wanted = process.argv.slice(2).filter((a) => a !== '--report');
const unknown = wanted.filter((w) => !MODULES.some((g) => g.name === w));
if (unknown.length > 0) {
  console.error(`no group ${unknown.join(', ')}; groups: ${MODULES.map((g) => g.name).join(', ')}`);
  process.exit(2);
}
// In the order asked for, so the groups wanted first are done first.
const groups = reportOnly
  ? []
  : wanted.length === 0
    ? MODULES
    : wanted.map((name) => MODULES.find((g) => g.name === name));

// The tests load engine/*.ts through tap's ts-node loader; type errors are the build's job.
process.env.TS_NODE_TRANSPILE_ONLY = '1';
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

async function runGroup(group) {
  const started = Date.now();
  const mutants = await new Stryker({
    testRunner: 'tap',
    plugins: ['@stryker-mutator/tap-runner'],
    tap: { testFiles: group.tests, nodeArgs: ['--import=@tapjs/typescript/import'] },
    mutate: group.mutate,
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
  const files = {};
  for (const file of group.mutate) files[file] = { killed: 0, timedOut: 0, survived: 0, errors: 0 };
  const survivors = [];
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
      });
    } else counts.errors++;
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run mutation -- ${JSON.stringify(group.name)}`,
    minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
    files,
    survivors,
  };
}

function equivalence(s) {
  return EQUIVALENT.find(
    (e) =>
      s.file.endsWith(e.file) &&
      e.mutator === s.mutator &&
      e.original === s.original &&
      e.replacement === s.replacement,
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
    out.push(
      `| ${group.name} | ${result.date}, \`${result.command}\` | ${result.minutes} | ${cells(tally(result, group.mutate))} |`,
    );
    for (const file of group.mutate) perFile.push(`| ${file} | ${cells(tally(result, [file]))} |`);
    if (result.note) notes.push(`- ${group.name}: ${result.note}.`);
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

const all = JSON.parse(readFileSync(resultsFile, { encoding: 'utf8', flag: 'a+' }) || '{}');
for (const group of groups) {
  all[group.name] = await runGroup(group);
  writeFileSync(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(resolve(root, 'test/mutation/RESULTS.md'), render(all));
}
writeFileSync(resolve(root, 'test/mutation/RESULTS.md'), render(all));
process.stdout.write(render(all));
