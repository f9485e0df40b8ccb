// Summarises a V8 sampling heap profile (bench/alloc.mjs --heap-prof): the bytes sampled, by the
// function that allocated them and by its three nearest callers, per measured request.
// Usage: node bench/heap-summary.mjs FILE.heapprofile [--requests N] [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '20000' },
    top: { type: 'string', default: '25' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node bench/heap-summary.mjs FILE.heapprofile [--requests N] [--top N]');
  process.exit(2);
}
const requests = Number(values.requests);
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));

/** "name file:line", with node_modules/ and dist/ prefixes kept and the rest of the path cut. */
function frameName({ functionName, url, lineNumber }) {
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

const byFunction = new Map();
const byStack = new Map();
let total = 0;
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
(function walk(node, callers) {
  const name = frameName(node.callFrame);
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(byFunction, name, node.selfSize);
    add(byStack, [name, ...callers.slice(0, 3)].join(' <- '), node.selfSize);
  }
  for (const child of node.children) walk(child, [name, ...callers]);
})(profile.head, []);

const rows = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, bytes]) => `${String(Math.round(bytes / requests)).padStart(6)} B  ${key}`);
console.log(`sampled ${Math.round(total / requests)} bytes per request over ${requests} requests`);
console.log(`\nby allocating function (bytes per request):\n${rows(byFunction).join('\n')}`);
console.log(`\nby function and its callers:\n${rows(byStack).join('\n')}`);
