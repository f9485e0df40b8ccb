import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { bareNode } from '../helpers/node-process.js';

const script = fileURLToPath(new URL('../../scripts/folder-layers.mjs', import.meta.url));
const run = promisify(execFile);

/** Runs the script on `dir`; resolves to its exit code and output whatever the code. */
async function layers(dir?: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(...bareNode(dir === undefined ? [script] : [script, dir]));
    return { code: 0, out: stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

t.test("engine/'s folders import each other without a loop, type imports included", async (t) => {
  const { code, out } = await layers();
  t.equal(code, 0, out);
  t.match(out, /^0 {2}.*errors/m, 'errors sits in the bottom layer');
  t.match(out, /^1 {2}config$/m, 'the config types sit right above it');
});

t.test('a loop is named with the imports that close it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'low'));
  mkdirSync(join(dir, 'high'));
  writeFileSync(
    join(dir, 'high', 'a.ts'),
    "import { b } from '../low/b.js';\nexport const a = b;\n",
  );
  writeFileSync(
    join(dir, 'low', 'b.ts'),
    "import type { a } from '../high/a.js';\nexport const b = 1;\n",
  );
  const { code, out } = await layers(dir);
  t.equal(code, 1);
  t.match(out, 'loop: high, low');
  t.match(out, 'low -> high: low/b.ts imports ../high/a.js');
});
