export { waitForReadyLine } from '../../scripts/lib/ready-line.mjs';

interface Tap {
  fail(message: string): void;
  comment(message: string): void;
  pass(message: string, extra: { skip: string }): void;
}

/**
 * A tool the test needs is missing (`missing` says which and what is skipped): a failure under
 * CI=true, where coverage must not silently vanish, else a loud skip. `what` names the tool in
 * the failure.
 */
export function reportMissing(t: Tap, missing: string, what = 'it'): void {
  if (process.env.CI === 'true') {
    t.fail(`!!! ${missing.replace(': skipping', ': cannot run')} (CI=true requires ${what}) !!!`);
  } else {
    console.error(`!!! ${missing} !!!`);
    t.comment(`!!! ${missing} !!!`);
    t.pass(missing, { skip: missing });
  }
}
