import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { bareNode } from '../helpers/node-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every Markdown file under `dir`, recursively. */
function markdownUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownUnder(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** What users read: the README, docs/ and the examples' READMEs. */
const userDocs = [
  join(ROOT, 'README.md'),
  ...markdownUnder(join(ROOT, 'docs')),
  ...readdirSync(join(ROOT, 'examples'))
    .map((name) => join(ROOT, 'examples', name, 'README.md'))
    .filter((path) => existsSync(path)),
];

t.test('the generated reference pages match their sources', async (t) => {
  const check = spawnSync(...bareNode([join(ROOT, 'scripts/docs/generate.mjs'), '--check']), {
    encoding: 'utf8',
  });
  t.equal(check.status, 0, `${check.stderr}${check.stdout}`.trim() || 'up to date');
});

/** The anchors GitHub gives a Markdown file's headings (`## Canary and blue/green` → `canary-and-bluegreen`). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const text = readFileSync(file, 'utf8').replace(/^ *```[\s\S]*?^ *```/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const base = (heading as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

t.test('relative links point at files in the repository, and at headings they have', async (t) => {
  const broken: string[] = [];
  for (const file of userDocs) {
    // Code blocks and code spans hold regexes and examples, not links.
    const text = readFileSync(file, 'utf8')
      .replace(/^ *```[\s\S]*?^ *```/gm, '')
      .replace(/`[^`\n]*`/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [path, anchor] = (target as string).split('#') as [string, string | undefined];
      if (/^[a-z]+:/.test(path)) continue;
      const linked = path === '' ? file : join(dirname(file), path);
      if (!existsSync(linked)) broken.push(`${relative(ROOT, file)}: ${target}`);
      else if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(linked).has(anchor)) {
        broken.push(`${relative(ROOT, file)}: ${target} (no such heading)`);
      }
    }
  }
  t.same(broken, [], 'no broken links');
});

t.test('user-facing text describes the systems in its own words', async (t) => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/gateway.schema.json'), 'utf8'));
  const descriptions: string[] = [];
  (function collect(node: unknown): void {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'description' && typeof value === 'string') descriptions.push(value);
      else collect(value);
    }
  })(schema);
  const places = [
    ...userDocs.map((file) => ({ where: relative(ROOT, file), text: readFileSync(file, 'utf8') })),
    ...descriptions.map((text) => ({ where: 'schemas/gateway.schema.json', text })),
  ];
  const found = places.filter((p) => /\bseeds?\b/i.test(p.text)).map((p) => p.where);
  t.same([...new Set(found)], [], 'no internal document names');
});

t.test('README.md stays an overview', async (t) => {
  const size = statSync(join(ROOT, 'README.md')).size;
  t.ok(size <= 20 * 1024, `README.md is ${size} bytes (at most 20 KB)`);
});
