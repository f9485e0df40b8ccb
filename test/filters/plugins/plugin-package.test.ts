import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { startGatewayd } from '../../helpers/gatewayd-process.js';
import { bareNode } from '../../helpers/node-process.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** A plugin in a user's own project, which has gatewayd installed (here: linked to this checkout). */
const GREETER = `
import { definePlugin, type PluginRequest } from 'gatewayd';

interface GreeterConfig {
  greeting: string;
}

export default definePlugin<GreeterConfig>({
  name: 'greeter',
  phase: 'before_auth',
  configSchema: {
    type: 'object',
    required: ['greeting'],
    properties: { greeting: { type: 'string' } },
  },
  create(config) {
    return {
      request(req: PluginRequest) {
        if (req.query === 'hello') return { status: 200, body: \`\${config.greeting}, \${req.params.name}\` };
        return undefined;
      },
    };
  },
});
`;

function userProject(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-user-project-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/gatewayd'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  return dir;
}

const tsc = (dir: string, ...files: string[]) =>
  promisify(execFile)(
    ...bareNode([
      TSC,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      ...files,
    ]),
    { cwd: dir },
  ).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );

t.test(
  "a user's TypeScript plugin: typed by `import from 'gatewayd'`, checked and served",
  async (t) => {
    const dir = userProject(t);
    writeFileSync(join(dir, 'greeter.ts'), GREETER);
    writeFileSync(join(dir, 'wrong.ts'), GREETER.replace('status: 200', "status: '200'"));
    // One compiler run for both (a run takes seconds): only the wrong one has errors.
    const errors = await tsc(dir, 'greeter.ts', 'wrong.ts');
    t.notMatch(errors, 'greeter.ts', 'the plugin type-checks against the exported types');
    t.match(errors, /wrong\.ts\(\d+,\d+\): error TS2322/, 'a wrong answer does not');

    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
plugins:
  - { name: greeter, module: ./greeter.ts, config: { greeting: Hello } }
routes:
  - path: /greet/{name}
    direct_response: { status: 204 }
    plugins: [greeter]
`,
    );
    const gw = await startGatewayd(t, '', { file });
    const res = await fetch(gw.url('/greet/ada?hello'));
    t.equal(res.status, 200);
    t.equal(await res.text(), 'Hello, ada');
    t.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    t.equal((await fetch(gw.url('/greet/ada'))).status, 204, 'no answer: the route goes on');
  },
);
