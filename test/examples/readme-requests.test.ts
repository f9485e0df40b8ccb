import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { startRedis } from '../helpers/redis.js';
import { bareNode, withoutTap } from '../helpers/node-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
/** Bounds one README's requests, the socket flows' quiet waits included. */
const SCRIPT_TIMEOUT_MS = 60_000;

/** The README's "Try it" section: its shell blocks, in order, as one script. */
function tryItScript(readme: string): string {
  const section = /^## Try it\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]).join('\n');
}

/**
 * The status each curl in the script must answer, in order: the status in a `# NNN …` comment
 * right below a command is its last curl's; any other curl must answer 2xx.
 */
function expectedStatuses(script: string): Array<number | '2xx'> {
  const lines = script.split('\n');
  const expected: Array<number | '2xx'> = [];
  let command = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('#') || line.trim() === '') continue;
    command += `${line}\n`;
    if (line.endsWith('\\')) continue;
    const curls = command.match(/(^|[\s($|])curl\s/g)?.length ?? 0;
    const documented = /^#\s+(\d{3})\b/.exec(lines[i + 1] ?? '');
    for (let n = 0; n < curls; n++) {
      expected.push(n === curls - 1 && documented ? Number(documented[1]) : '2xx');
    }
    command = '';
  }
  return expected;
}

interface Started {
  exports: Record<string, string>;
  /** The default ports the README writes (8080, 8081, ...) and where they are in this run. */
  ports: Map<string, string>;
  stop(): Promise<number | null>;
}

/** `npm run example -- NAME` on free ports; resolves once gatewayd listens. */
async function startExample(t: Test, name: string, redisUrl: string | null): Promise<Started> {
  const env: Record<string, string> = { PORT: '0', ADMIN_PORT: '0', METRICS_PORT: '0' };
  if (redisUrl !== null) env.REDIS_URL = redisUrl;
  const proc = spawn(...bareNode([join(ROOT, 'scripts/example.mjs'), name]), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    return exited;
  };
  t.teardown(stop);
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening in 30 s:\n${output}`)), 30_000);
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const found = /gatewayd is listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] as string);
      }
    });
    void exited.then((code) => reject(new Error(`the runner exited with ${code}:\n${output}`)));
  });
  const exports: Record<string, string> = {};
  for (const [, key, value] of output.matchAll(/ ([A-Z_]+)='([^']*)'/g)) {
    exports[key as string] = value as string;
  }
  const port = (url: string | undefined) => (url === undefined ? '' : new URL(url).port);
  const config = readFileSync(join(EXAMPLES, name, 'gateway.yaml'), 'utf8');
  const gatewayDefault = /http_port: \$\{PORT:-(\d+)\}/.exec(config)?.[1] ?? '8080';
  const ports = new Map([[gatewayDefault, port(listening)]]);
  const admin = /the admin API is listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
  const metrics = /metrics are served on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
  if (admin !== undefined) ports.set('8081', port(admin));
  if (metrics !== undefined) ports.set('9090', port(metrics));
  return { exports, ports, stop };
}

/**
 * Runs the script in bash from the repository root with the runner's exports, localhost ports
 * moved to this run's; every curl's status is appended to a file, its body goes on as usual.
 */
function runScript(script: string, started: Started) {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-readme-'));
  const statusFile = join(dir, 'statuses');
  let moved = script;
  for (const [from, to] of started.ports)
    moved = moved.replaceAll(`localhost:${from}`, `127.0.0.1:${to}`);
  const prelude = [
    'set -euo pipefail',
    `cd ${JSON.stringify(ROOT)}`,
    ...Object.entries(started.exports).map(([k, v]) => `export ${k}='${v}'`),
    `curl() {`,
    `  local body; body=$(mktemp)`,
    `  local code; code=$(command curl -sS -o "$body" -w '%{http_code}' "$@")`,
    `  echo "$code" >> ${JSON.stringify(statusFile)}`,
    `  cat "$body"; rm -f "$body"`,
    `}`,
  ].join('\n');
  const run = spawnSync(...withoutTap('bash', ['-c', `${prelude}\n${moved}`]), {
    encoding: 'utf8',
    timeout: SCRIPT_TIMEOUT_MS,
  });
  const statuses = existsSync(statusFile)
    ? readFileSync(statusFile, 'utf8').trim().split('\n').filter(Boolean).map(Number)
    : [];
  rmSync(dir, { recursive: true, force: true });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, statuses };
}

function missingTools(): string[] {
  return ['bash', 'curl', 'jq'].filter(
    (tool) => spawnSync(tool, ['--version']).error !== undefined,
  );
}

const examples = readdirSync(EXAMPLES).filter((name) =>
  existsSync(join(EXAMPLES, name, 'backends/index.mjs')),
);

t.test('every example has a README with requests to try', async (t) => {
  for (const name of examples) {
    const readme = readFileSync(join(EXAMPLES, name, 'README.md'), 'utf8');
    t.match(readme, `npm run example -- ${name}`, `${name}: the README says how to start it`);
    t.ok(expectedStatuses(tryItScript(readme)).length > 0, `${name}: requests to try`);
  }
});

t.test('a misspelt example name gets a suggestion and the list', async (t) => {
  const run = spawnSync(...bareNode([join(ROOT, 'scripts/example.mjs'), 'quickstrat']), {
    encoding: 'utf8',
  });
  t.equal(run.status, 2);
  t.match(run.stderr, 'no example "quickstrat": did you mean "quickstart"?');
  t.match(run.stderr, `examples: ${examples.join(', ')}`);
});

// The examples run side by side: most of their time is spent waiting (starts, socket flows).
t.test(
  "each example started by the runner answers its README's requests",
  { jobs: 2 },
  async (t) => {
    const missing = missingTools();
    if (missing.length > 0) {
      const message = `!!! ${missing.join(', ')} not installed: cannot run the README requests !!!`;
      if (process.env.CI === 'true') t.fail(message);
      else t.comment(message);
      return;
    }
    const redis = await startRedis(t);
    for (const name of examples) {
      const needsRedis = readFileSync(join(EXAMPLES, name, 'backends/index.mjs'), 'utf8').includes(
        'needsRedis = true',
      );
      if (needsRedis && redis === null) continue;
      void t.test(name, async (t) => {
        const started = await startExample(t, name, needsRedis ? (redis?.url ?? null) : null);
        const script = tryItScript(readFileSync(join(EXAMPLES, name, 'README.md'), 'utf8'));
        const run = runScript(script, started);
        t.equal(run.code, 0, 'the requests run through', {
          stdout: run.stdout,
          stderr: run.stderr,
        });
        const expected = expectedStatuses(script);
        t.equal(run.statuses.length, expected.length, `every curl ran (${run.statuses.join(' ')})`);
        expected.forEach((want, i) => {
          const got = run.statuses[i];
          if (want === '2xx')
            t.ok(got !== undefined && got >= 200 && got < 300, `curl ${i + 1}: ${got}`);
          else t.equal(got, want, `curl ${i + 1}: ${want}`);
        });
        t.equal(await started.stop(), 0, 'the runner stops cleanly on SIGTERM');
      });
    }
  },
);
