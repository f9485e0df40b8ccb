// Summarises a V8 .cpuprofile (node --cpu-prof): the share of samples in the garbage collector,
// idle and program, the top functions by self time, and optionally the folded stacks a flame
// graph tool reads (one "frame;frame;frame count" line per stack).
// Usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--folded OUT.folded]
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, folded: { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--folded OUT]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

/** "name file:line" with paths shortened: node_modules/x/... or the repo-relative path. */
function frameName(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  const short = modules >= 0 ? path.slice(modules + 13) : relative(ROOT, path);
  return `${name} ${short}:${lineNumber + 1}`;
}

// Sample counts weighted by the time each sample stands for.
const self = new Map();
const deltas = profile.timeDeltas ?? [];
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = deltas[i + 1] ?? deltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const byFrame = new Map();
let gc = 0;
let idle = 0;
let program = 0;
for (const [id, time] of self) {
  const node = nodes.get(id);
  const name = node.callFrame.functionName;
  if (name === '(garbage collector)') gc += time;
  else if (name === '(idle)') idle += time;
  else if (name === '(program)') program += time;
  const key = frameName(node);
  byFrame.set(key, (byFrame.get(key) ?? 0) + time);
}

const busy = total - idle;
const pct = (t, of) => `${((100 * t) / of).toFixed(1)}%`;
console.log(`profile: ${positionals[0]}`);
console.log(`sampled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s`);
console.log(`garbage collector: ${pct(gc, busy)} of busy time; (program) ${pct(program, busy)}`);
console.log(`\ntop ${values.top} by self time (share of busy time):`);
[...byFrame]
  .filter(([name]) => name !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(values.top))
  .forEach(([name, time]) => console.log(`${pct(time, busy).padStart(6)}  ${name}`));

if (values.folded) {
  const stacks = new Map();
  for (const [id, time] of self) {
    const frames = [];
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const node = nodes.get(at);
      if (node.callFrame.functionName !== '(root)') frames.push(frameName(node));
    }
    const key = frames.reverse().join(';');
    if (key === '(idle)') continue;
    stacks.set(key, (stacks.get(key) ?? 0) + Math.round(time));
  }
  const lines = [...stacks].map(([stack, us]) => `${stack.replace(/ /g, '_')} ${us}`);
  writeFileSync(values.folded, `${lines.join('\n')}\n`);
  console.log(`\nfolded stacks (µs per stack) written to ${values.folded}`);
}
