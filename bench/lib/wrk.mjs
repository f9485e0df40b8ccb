// Runs wrk against one port and reads throughput, p99 latency and errors from its report.
import { raceTimeout, startProcess, stopProcess } from './process.mjs';

// wrk normally exits right after -d; this covers startup and slow connection teardown.
const WRK_SLACK_S = 10;
const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * One bounded wrk run on cpu: resolves to { rps, p99Ms, errors }. scheme: http or https.
 * script: a wrk Lua script that shapes the request (a POST with a body), or undefined for GET /.
 */
export async function runWrk({
  port,
  scheme = 'http',
  seconds,
  connections,
  cpu,
  headers = {},
  script,
}) {
  const url = `${scheme}://127.0.0.1:${port}/`;
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => [
    '-H',
    `${name}: ${value}`,
  ]);
  const scriptArgs = script === undefined ? [] : ['-s', script];
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...scriptArgs,
    ...headerArgs,
    url,
  ];
  const proc = startProcess('wrk', args, { cpu, stdout: 'pipe', stderr: 'pipe' });
  let output = '';
  proc.child.stdout?.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  proc.child.stderr?.setEncoding('utf8').on('data', (chunk) => (output += chunk));

  const limit = seconds + WRK_SLACK_S;
  const finished = await Promise.race([proc.exited.then(() => true), raceTimeout(limit * 1000)]);
  if (!finished) {
    await stopProcess(proc);
    throw new Error(`wrk did not finish within ${limit} s`);
  }
  if (proc.reason !== 'exit code 0')
    throw new Error(`wrk failed (${proc.reason}): ${output.trim()}`);
  return parseWrk(output);
}

export function parseWrk(text) {
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  const p99 = text.match(/^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m);
  if (!rps || !p99) throw new Error(`unexpected wrk output:\n${text}`);
  const non2xx = Number(text.match(/^\s*Non-2xx or 3xx responses:\s+(\d+)/m)?.[1] ?? 0);
  const socket = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socketErrors = (socket?.slice(1) ?? []).reduce((sum, n) => sum + Number(n), 0);
  return {
    rps: Number(rps[1]),
    p99Ms: Number(p99[1]) * UNIT_MS[p99[2]],
    errors: non2xx + socketErrors,
  };
}
