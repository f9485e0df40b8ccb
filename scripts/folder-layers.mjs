// The layers of engine/: which top-level folder imports which (type imports included), each
// folder's layer (0 imports no other folder), and every import that closes a loop between
// folders. Exits 1 when there is a loop. Usage: node scripts/folder-layers.mjs [ENGINE_DIR]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const engine = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'engine'));

/** Relative module specifiers of `import ... from`, `export ... from` and `import()`. */
const SPECIFIER =
  /(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(m?ts|m?js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const say = (line) => process.stdout.write(`${line}\n`);
const folderOf = (file) => relative(engine, file).split(sep)[0];

/** folder -> folder it imports -> the first import seen that does it. */
const imports = new Map();
for (const file of sourceFiles(engine)) {
  const from = folderOf(file);
  if (!imports.has(from)) imports.set(from, new Map());
  for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolve(dirname(file), match[1] ?? match[2]);
    if (!target.startsWith(engine + sep)) continue;
    const to = folderOf(target);
    if (to === from || to.includes('.')) continue;
    const edges = imports.get(from);
    if (!edges.has(to)) edges.set(to, `${relative(engine, file)} imports ${match[1] ?? match[2]}`);
  }
}
for (const edges of [...imports.values()]) {
  for (const to of edges.keys()) if (!imports.has(to)) imports.set(to, new Map());
}

/** Strongly connected components with more than one folder: the loops (Tarjan). */
function loops() {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const found = [];
  const visit = (folder) => {
    index.set(folder, next);
    low.set(folder, next++);
    stack.push(folder);
    for (const to of imports.get(folder).keys()) {
      if (!index.has(to)) {
        visit(to);
        low.set(folder, Math.min(low.get(folder), low.get(to)));
      } else if (stack.includes(to)) {
        low.set(folder, Math.min(low.get(folder), index.get(to)));
      }
    }
    if (low.get(folder) !== index.get(folder)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) found.push(component.sort());
  };
  for (const folder of imports.keys()) if (!index.has(folder)) visit(folder);
  return found;
}

const found = loops();
if (found.length > 0) {
  for (const component of found) {
    say(`loop: ${component.join(', ')}`);
    for (const from of component) {
      for (const [to, why] of imports.get(from)) {
        if (component.includes(to)) say(`  ${from} -> ${to}: ${why}`);
      }
    }
  }
  process.exit(1);
}

/** A folder's layer: one above the highest folder it imports. */
const layers = new Map();
const layerOf = (folder) => {
  if (!layers.has(folder)) {
    layers.set(folder, 1 + Math.max(-1, ...[...imports.get(folder).keys()].map(layerOf)));
  }
  return layers.get(folder);
};
const byLayer = new Map();
for (const folder of imports.keys()) {
  const layer = layerOf(folder);
  byLayer.set(layer, [...(byLayer.get(layer) ?? []), folder].sort());
}
for (const layer of [...byLayer.keys()].sort((a, b) => a - b)) {
  say(`${layer}  ${byLayer.get(layer).join(', ')}`);
}
say(`${imports.size} folders, no loop`);
