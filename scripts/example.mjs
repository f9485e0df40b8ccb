// `npm run example -- NAME`: runs one example end to end on this machine. It starts the
// example's demo backends (examples/NAME/backends/), a private Redis when the example needs one
// (or uses REDIS_URL), makes up the secrets the config reads from the environment and prints
// them, then runs gatewayd on examples/NAME/gateway.yaml. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/free-port.mjs';
import { RedisServerMissingError, spawnRedisServer } from './lib/redis-server.mjs';

const root = new URL('../', import.meta.url);
const examples = new URL('examples/', root);
const names = readdirSync(examples, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/backends/index.mjs`, examples)))
  .map((d) => d.name)
  .sort();

const name = process.argv[2];
if (name === undefined || !names.includes(name)) {
  // The CLI's own typo matcher, from the build that gatewayd itself needs anyway.
  const { didYouMean } = await import(new URL('dist/config/did-you-mean.js', root).href);
  const close = name === undefined ? undefined : didYouMean(name, names);
  console.error(
    `${name === undefined ? 'which example?' : `no example "${name}"`}` +
      `${close === undefined ? '' : `: did you mean "${close}"?`}\n` +
      `usage: npm run example -- NAME\nexamples: ${names.join(', ')}`,
  );
  process.exit(2);
}

const example = await import(new URL(`${name}/backends/index.mjs`, examples).href);
/** What to stop on the way out, last started first. */
const cleanups = [];
let gatewayUrl = '';

async function stopAll(code) {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((err) => console.error(`stopping: ${err.message}`));
  }
  process.exit(code);
}

try {
  const redisUrl = example.needsRedis ? await startRedis() : null;
  const run = await example.start({ redisUrl, gatewayUrl: () => gatewayUrl });
  cleanups.push(run.close);
  report(run, redisUrl);
  await runGatewayd(run.env);
} catch (err) {
  console.error(`example ${name}: ${err.message}`);
  await stopAll(1);
}

/** REDIS_URL when it is set, else a private redis-server on a free port. */
async function startRedis() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const port = await freePort();
  let server;
  try {
    server = await spawnRedisServer(port);
  } catch (err) {
    if (!(err instanceof RedisServerMissingError)) throw err;
    throw new Error(
      'this example needs Redis: install redis-server (Debian: apt-get install redis-server) ' +
        'or set REDIS_URL',
      { cause: err },
    );
  }
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      }),
  );
  return `redis://127.0.0.1:${port}`;
}

function report(run, redisUrl) {
  const lines = [`example ${name}: examples/${name}/gateway.yaml`];
  for (const [backend, url] of run.backends) lines.push(`  backend  ${backend.padEnd(22)} ${url}`);
  if (redisUrl !== null) lines.push(`  redis    ${redisUrl}`);
  const shell = Object.entries(run.shell);
  if (shell.length > 0) {
    lines.push(
      '',
      'Secrets made up for this run. Paste this line into the shell you send requests from:',
      '',
      `    export ${shell.map(([key, value]) => `${key}='${value}'`).join(' ')}`,
      '',
    );
  }
  console.log(lines.join('\n'));
}

/** gatewayd in the foreground: its log on this terminal, its exit ends the example. */
function runGatewayd(env) {
  const bin = fileURLToPath(new URL('bin/gatewayd', root));
  const config = fileURLToPath(new URL(`${name}/gateway.yaml`, examples));
  const child = spawn(process.execPath, [bin, '--config', config], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    process.stdout.write(chunk);
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      announce(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll(0));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (signal === null) console.error(`gatewayd exited with ${code}`);
      void stopAll(code ?? 1).then(resolve);
    });
  });
}

/** Says where to send requests once gatewayd's listeners are up. */
function announce(text) {
  let line;
  try {
    line = JSON.parse(text);
  } catch {
    return;
  }
  const where = `http://${line.address === '0.0.0.0' ? '127.0.0.1' : line.address}:${line.port}`;
  if (line.msg === 'gatewayd listening') {
    gatewayUrl = where;
    console.log(
      `\ngatewayd is listening on ${where}: try the requests in examples/${name}/README.md ` +
        '(Ctrl-C stops the example)\n',
    );
  } else if (line.msg === 'admin API listening') {
    console.log(`\nthe admin API is listening on ${where}\n`);
  } else if (line.msg === 'metrics listening') {
    console.log(`\nmetrics are served on ${where}${line.path}\n`);
  }
}
