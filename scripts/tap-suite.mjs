// The tap suite as `npm test` runs it: the files of .taprc's `serial:` list after all the others,
// one at a time, in a second tap run. In one run tap sorts the files by name, so each serial file
// came up in the middle of the pool and waited for it to drain, leaving cores idle 27 times.
// With file arguments, one tap run on exactly those files (`npm test -- test/x.test.ts`).
// `--coverage` (`npm run coverage`) has the first run collect coverage and prints its report.
// Each run ends with its own summary line; .ci/run adds them up.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const tapBin = join(root, 'node_modules/.bin/tap');

function tap(args) {
  const run = spawnSync(tapBin, args, { cwd: root, stdio: 'inherit' });
  if (run.error) throw run.error;
  return run.status ?? 1;
}

const coverage = process.argv.includes('--coverage');
const args = process.argv.slice(2).filter((a) => a !== '--coverage');
if (args.length > 0) process.exit(tap(args));

const serial = new Set(parse(readFileSync(join(root, '.taprc'), 'utf8')).serial ?? []);
const all = readdirSync(join(root, 'test'), { recursive: true })
  .map((f) => `test/${f}`)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const missing = [...serial].filter((f) => !all.includes(f));
if (missing.length > 0) {
  console.error(`.taprc serial: no such test file: ${missing.join(', ')}`);
  process.exit(1);
}
// tap rebuilds itself when .taprc's plugin list differs from what it was built with (after every
// `npm ci`), but the run that notices still starts its test processes with the old plugins' loaders
// (ts-node beside tsx): build first, about 5 s.
if (tap(['build']) !== 0) process.exit(1);
const pool = tap([
  ...(coverage ? ['--no-disable-coverage'] : []),
  ...all.filter((f) => !serial.has(f)),
]);
// Coverage comes from the pool's run, reported before the second run starts: that run clears
// .tap/coverage, and the serial files measure timing, which coverage's counters slow down.
if (coverage) tap(['report', 'text']);
const alone = tap(['--jobs=1', '--disable-coverage', ...all.filter((f) => serial.has(f))]);
process.exit(pool === 0 && alone === 0 ? 0 : 1);
