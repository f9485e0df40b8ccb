// The config reference (docs/reference/configuration.md), generated from the JSON Schema: every
// key with its type, default, allowed values, description and an example. Examples are taken
// from the example configs (then the valid test fixtures), which the test suite checks, so each
// one is a value gatewayd accepts; a key no config uses gets one made from its schema.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { code, generatedNotice, prose } from './markdown.mjs';

/** What a map's keys are, by the name of the map, for paths such as `upstreams.<name>`. */
const ENTRY_NAMES = {
  upstreams: 'name',
  channels: 'channel',
  route_limits: 'path',
  tiers: 'tier',
  mappings: 'event',
  message_routes: 'type',
  headers: 'header',
  cookies: 'cookie',
  set: 'header',
  security_headers: 'header',
};

/** Sibling keys that say which list item an example is, shown beside the key it is about. */
const IDENTIFYING = ['name', 'path', 'url', 'username'];

/** Values for a key no config file uses, by the kind of format; else the schema's own hints. */
const FORMAT_SAMPLES = {
  duration: '30s',
  size: '1mb',
  cidr: '10.0.0.0/8',
  'http-url': 'http://127.0.0.1:3000',
  'http-url-with-path': 'http://127.0.0.1:3000/path',
};

/**
 * `validate(pointer, value)` checks a value against the schema node at that JSON pointer: every
 * example is checked before it is shown.
 */
export function renderConfigReference({ root, formats, validate }) {
  const schema = JSON.parse(readFileSync(new URL('schemas/gateway.schema.json', root), 'utf8'));
  const walker = new SchemaWalker(schema);
  const entries = walker.walk();
  const sources = exampleSources(root);
  const missing = [];
  const sections = [];
  for (const name of Object.keys(schema.properties)) {
    const inSection = entries.filter((e) => e.segments[0].key === name);
    sections.push(
      inSection
        .map((e) => {
          const example = exampleOf(e, sources, formats, validate);
          if (example === null) missing.push(e.display);
          return renderEntry(e, walker, formats, example, e.segments.length === 1 ? '##' : '###');
        })
        .join('\n\n'),
    );
  }
  if (missing.length > 0 && process.env.DOCS_ALLOW_MISSING === undefined) {
    throw new Error(`no example for ${missing.length} keys: ${missing.join(', ')}`);
  }
  return [
    generatedNotice('schemas/gateway.schema.json'),
    '',
    '# Configuration reference',
    '',
    intro(schema, entries.length),
    '',
    '## Top-level keys',
    '',
    Object.entries(schema.properties)
      .map(([key, node]) => `- [\`${key}\`](#${slug(key)}): ${prose(firstSentence(node))}`)
      .join('\n'),
    '',
    '## Value types',
    '',
    'Types that several keys share.',
    '',
    renderValueTypes(walker, formats),
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
}

function intro(schema, count) {
  return [
    `Every key of \`gateway.yaml\` (${count} in all), generated from`,
    '[`schemas/gateway.schema.json`](../../schemas/gateway.schema.json), the file `gatewayd check`',
    'validates against. Editors with a YAML language server complete and check the file when it',
    'starts with `# yaml-language-server: $schema=<path to>/schemas/gateway.editor.schema.json`',
    '(the same schema, where every typed key also takes a `${VAR}` reference).',
    '',
    `${prose(schema.description)}`,
    '',
    'How to read an entry: `routes[]` is each item of the `routes` list, `upstreams.<name>` each',
    'entry of the `upstreams` mapping under a name you choose. "Default" is the value the gateway',
    'uses when the key is absent; "—" means the key has no single default (the description says',
    'what happens without it). The [configuration guide](../guides/configuration.md) shows how the',
    'pieces fit together.',
  ].join('\n');
}

/**
 * Walks the schema from the top: one entry per key, lists as `[]`, mappings of named entries as
 * `<name>`. An object type reached a second time (a `$defs` entry used in two places) is listed
 * once, where it comes first, and pointed at from the other places.
 */
class SchemaWalker {
  constructor(schema) {
    this.schema = schema;
    this.documentedAt = new Map();
  }

  walk() {
    const entries = [];
    for (const [key, node] of Object.entries(this.schema.properties)) {
      const pointer = `/properties/${escapePointer(key)}`;
      const required = this.schema.required?.includes(key) ?? false;
      this.visit({ node, pointer }, [{ key }], required, entries);
    }
    return entries;
  }

  /** The node with its `$ref` followed; the node's own keywords (its description) win. */
  resolve(node, pointer = '') {
    if (node?.$ref === undefined) return { node, def: null, pointer };
    const def = node.$ref.replace('#/$defs/', '');
    const own = Object.fromEntries(Object.entries(node).filter(([key]) => key !== '$ref'));
    return { node: { ...this.schema.$defs[def], ...own }, def, pointer: `/$defs/${def}` };
  }

  /** The shapes a value may take: oneOf/anyOf members and if/then/else branches, resolved. */
  alternatives(node, pointer = '') {
    for (const keyword of ['oneOf', 'anyOf']) {
      if (node[keyword] !== undefined) {
        return node[keyword].map((n, i) => this.resolve(n, `${pointer}/${keyword}/${i}`));
      }
    }
    if (node.if === undefined) return [];
    return ['then', 'else']
      .filter((keyword) => node[keyword] !== undefined)
      .flatMap((keyword) => {
        const branch = this.resolve(node[keyword], `${pointer}/${keyword}`);
        const nested = this.alternatives(branch.node, branch.pointer);
        return nested.length > 0 ? nested : [branch];
      });
  }

  /** The node itself and each shape it may take. */
  shapes(node, pointer) {
    return [{ node, pointer }, ...this.alternatives(node, pointer)];
  }

  visit(raw, segments, required, entries) {
    const { node, def, pointer } = this.resolve(raw.node, raw.pointer);
    const entry = {
      segments,
      display: display(segments),
      node,
      def,
      pointer: raw.pointer,
      required,
      sameAs: null,
    };
    entries.push(entry);
    const shapes = this.shapes(node, pointer);
    const objectDef = def ?? this.defOf(raw.node);
    if (
      objectDef !== null &&
      hasChildren(
        shapes.map((s) => s.node),
        this,
      )
    ) {
      const first = this.documentedAt.get(objectDef);
      if (first !== undefined) {
        entry.sameAs = first;
        return;
      }
      this.documentedAt.set(objectDef, entry.display);
    }
    for (const shape of shapes) this.visitChildren(shape, segments, entries);
  }

  /** The `$defs` name behind an alternative (`cors: false | $ref cors`), for listing it once. */
  defOf(raw) {
    const refs = [raw.then, raw.else, ...(raw.oneOf ?? [])].filter((n) => n?.$ref !== undefined);
    return refs.length === 1 ? refs[0].$ref.replace('#/$defs/', '') : null;
  }

  visitChildren({ node: shape, pointer }, segments, entries) {
    for (const [key, child] of Object.entries(shape.properties ?? {})) {
      const raw = { node: child, pointer: `${pointer}/properties/${escapePointer(key)}` };
      this.visit(raw, [...segments, { key }], shape.required?.includes(key) ?? false, entries);
    }
    const values = this.mapValues(shape, pointer);
    if (values !== null && hasChildren([values.node], this)) {
      const name = ENTRY_NAMES[segments.at(-1)?.key] ?? 'key';
      for (const s of this.shapes(values.node, values.pointer)) {
        this.visitChildren(s, [...segments, { entry: name }], entries);
      }
    }
    if (shape.items !== undefined) {
      const items = this.resolve(shape.items, `${pointer}/items`);
      for (const s of this.shapes(items.node, items.pointer)) {
        this.visitChildren(s, [...segments, { item: true }], entries);
      }
    }
  }

  /** The schema of a mapping's values, when the mapping takes names of the user's choosing. */
  mapValues(shape, pointer = '') {
    const values = shape.additionalProperties;
    return typeof values === 'object'
      ? this.resolve(values, `${pointer}/additionalProperties`)
      : null;
  }
}

function escapePointer(key) {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Whether a value of one of these shapes has keys of its own to list (a mapping, or a list of them). */
function hasChildren(shapes, walker) {
  return shapes.some((shape) =>
    walker.shapes(shape).some(({ node: s }) => {
      if (s.properties !== undefined) return true;
      const values = walker.mapValues(s);
      if (values !== null && hasChildren([values.node], walker)) return true;
      return s.items !== undefined && hasChildren([walker.resolve(s.items).node], walker);
    }),
  );
}

function display(segments) {
  let out = '';
  for (const s of segments) {
    if (s.item) out += '[]';
    else if (s.entry !== undefined) out += `.<${s.entry}>`;
    else out += out === '' ? s.key : `.${s.key}`;
  }
  return out;
}

/** GitHub's heading anchor for a heading made of `text` in code. */
function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
}

function firstSentence(node) {
  const text = node.description ?? '';
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

/** The `$defs` entries that are plain values (no keys of their own): one heading each. */
function renderValueTypes(walker, formats) {
  return Object.entries(walker.schema.$defs)
    .filter(([, node]) => !hasChildren([node], walker))
    .map(([name, node]) => {
      const lines = [`### ${name}`, '', prose(node.description ?? '')];
      const allowed = allowedOf(node, walker, formats);
      if (allowed.length > 0) lines.push('', `Allowed: ${allowed.join('; ')}.`);
      return lines.join('\n');
    })
    .join('\n\n');
}

function renderEntry(entry, walker, formats, example, heading) {
  const { node } = entry;
  const facts = [`**Type:** ${typeOf(node, walker, formats, entry.def)}`];
  if (entry.required) facts.push('**Required**');
  facts.push(`**Default:** ${node.default === undefined ? '—' : code(inline(node.default))}`);
  const lines = [`${heading} \`${entry.display}\``, '', facts.join(' · ')];
  const allowed =
    entry.def !== null && isValueType(entry.def, walker) ? [] : allowedOf(node, walker, formats);
  if (allowed.length > 0) lines.push('', `**Allowed:** ${allowed.join('; ')}.`);
  if (node.description !== undefined) lines.push('', prose(node.description));
  if (entry.sameAs !== null) {
    lines.push('', `Its keys are those of [\`${entry.sameAs}\`](#${slug(entry.sameAs)}).`);
  }
  if (example !== null) lines.push('', '```yaml', example.trimEnd(), '```');
  return lines.join('\n');
}

function isValueType(def, walker) {
  return !hasChildren([walker.schema.$defs[def]], walker);
}

function typeOf(node, walker, formats, def = null) {
  if (def !== null && isValueType(def, walker)) return `[${def}](#${slug(def)})`;
  const alternatives = walker.alternatives(node);
  if (alternatives.length > 0) {
    return [...new Set(alternatives.map((a) => typeOf(a.node, walker, formats, a.def)))]
      .filter((t) => t !== '')
      .join(' or ');
  }
  if (node.const !== undefined) return code(inline(node.const));
  if (node.enum !== undefined) return [...new Set(node.enum.map((v) => jsonType(v)))].join(' or ');
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  return types
    .map((type) => {
      if (type === 'string' && node.format !== undefined) {
        return (formats[node.format]?.noun ?? node.format).replace(/^an? /, '');
      }
      if (type === 'array') {
        if (node.items === undefined) return 'list';
        const { node: items, def: itemDef } = walker.resolve(node.items);
        return `list of ${typeOf(items, walker, formats, itemDef)}`;
      }
      if (type === 'object') {
        const values = walker.mapValues(node);
        if (values !== null && node.properties === undefined) {
          return `mapping: name → ${typeOf(values.node, walker, formats, values.def)}`;
        }
        return 'mapping';
      }
      return type;
    })
    .join(' or ');
}

function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function allowedOf(node, walker, formats) {
  const alternatives = walker.alternatives(node);
  if (alternatives.length > 0) {
    // Each shape says what it allows, after its type; a value type's own entry says it already.
    return alternatives
      .filter((a) => a.def === null || !isValueType(a.def, walker))
      .map((a) => ({
        type: typeOf(a.node, walker, formats),
        allowed: allowedOf(a.node, walker, formats),
      }))
      .filter((a) => a.allowed.length > 0)
      .map((a) => `${alternatives.length > 1 ? `${a.type}: ` : ''}${a.allowed.join(', ')}`);
  }
  const out = [];
  if (node.enum !== undefined)
    out.push(`one of ${node.enum.map((v) => code(inline(v))).join(', ')}`);
  if (node.minimum !== undefined && node.maximum !== undefined) {
    out.push(`${node.minimum} to ${node.maximum}`);
  } else if (node.minimum !== undefined) {
    out.push(`at least ${node.minimum}`);
  } else if (node.maximum !== undefined) {
    out.push(`at most ${node.maximum}`);
  }
  if (node.exclusiveMinimum !== undefined) out.push(`above ${node.exclusiveMinimum}`);
  if (node.minLength === 1) out.push('not empty');
  else if (node.minLength !== undefined) out.push(`at least ${node.minLength} characters`);
  if (node.format !== undefined && formats[node.format] !== undefined) {
    out.push(prose(formats[node.format].hint));
  } else if (node.pattern !== undefined) {
    out.push(`matches ${code(node.pattern)}`);
  }
  if (node.minItems !== undefined) {
    out.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
  }
  if (node.uniqueItems === true) out.push('no duplicates');
  if (node.items !== undefined) {
    const { node: items, def } = walker.resolve(node.items);
    if (def === null || !isValueType(def, walker)) {
      const each = allowedOf(items, walker, formats);
      if (each.length > 0) out.push(`each item: ${each.join(', ')}`);
    }
  }
  if (node.minProperties !== undefined) {
    out.push(`at least ${node.minProperties} entr${node.minProperties === 1 ? 'y' : 'ies'}`);
  }
  if (node.propertyNames?.pattern !== undefined) {
    out.push(`names match ${code(node.propertyNames.pattern)}`);
  }
  if (node.required !== undefined && node.required.length > 0) {
    out.push(`needs ${node.required.map((k) => code(k)).join(', ')}`);
  }
  return out;
}

function inline(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The example configs first (what users copy from), then the YAML blocks of the hand-written
 * docs that start at the top of a config, then the valid test fixtures.
 */
function exampleSources(root) {
  const sources = [];
  const read = (url) => readFileSync(url, 'utf8');
  const examples = new URL('examples/', root);
  for (const dir of readdirSync(examples, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const folder = new URL(`${dir.name}/`, examples);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
      sources.push({ rank: 0, doc: parse(read(new URL(file, folder))) });
    }
  }
  for (const page of handWrittenPages(new URL('docs/', root))) {
    for (const block of read(page).matchAll(/^( *)```yaml\n([\s\S]*?)^ *```/gm)) {
      const indent = block[1].length;
      const text = block[2].replace(new RegExp(`^ {0,${indent}}`, 'gm'), '');
      const doc = parseOrNull(text);
      if (isMapping(doc)) sources.push({ rank: 1, doc });
    }
  }
  const fixtures = new URL('test/fixtures/valid/', root);
  for (const file of readdirSync(fixtures)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    sources.push({ rank: 2, doc: parse(read(new URL(file, fixtures))) });
  }
  return sources;
}

/** The Markdown pages under `dir` that people wrote (the generated ones start with a notice). */
function handWrittenPages(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => new URL(`${relativeTo(dir, e)}${e.name}`, dir))
    .filter((url) => !readFileSync(url, 'utf8').startsWith('<!-- Generated'))
    .sort((a, b) => (a.href < b.href ? -1 : 1));
}

function relativeTo(dir, entry) {
  const base = fileURLToPath(dir);
  const rest = entry.parentPath.slice(base.length).replace(/^\/+/, '');
  return rest === '' ? '' : `${rest}/`;
}

function parseOrNull(text) {
  try {
    return parse(text);
  } catch {
    return null;
  }
}

/**
 * A YAML snippet placing a value of the entry's key where it goes in gateway.yaml: the shortest
 * valid value the sources hold (preferring one without `${VAR}`), else one from the schema.
 */
function exampleOf(entry, sources, formats, validate) {
  const candidates = [];
  for (const { rank, doc } of sources) {
    for (const found of occurrences(doc, entry.segments)) {
      const text = stringify(found.value);
      const score = rank * 10000 + (text.includes('${') ? 5000 : 0) + text.length;
      candidates.push({ ...found, score });
    }
  }
  candidates.sort((a, b) => a.score - b.score);
  const best = candidates.find((c) => validate(entry.pointer, c.value));
  if (best !== undefined) return stringify(nest(entry.segments, best.trail, best.value));
  const value = sampleOf(entry.node, formats);
  if (value === undefined || !validate(entry.pointer, value)) return null;
  return stringify(nest(entry.segments, [], value));
}

/** Every value at `segments` in `doc`, with the concrete keys and list items on the way. */
function occurrences(doc, segments, trail = []) {
  if (segments.length === 0) return doc === undefined ? [] : [{ value: doc, trail }];
  if (doc === null || typeof doc !== 'object') return [];
  const [first, ...rest] = segments;
  if (first.item) {
    if (!Array.isArray(doc)) return [];
    return doc.flatMap((item) => occurrences(item, rest, [...trail, { item }]));
  }
  if (Array.isArray(doc)) return [];
  if (first.entry !== undefined) {
    return Object.entries(doc).flatMap(([key, value]) =>
      occurrences(value, rest, [...trail, { key }]),
    );
  }
  return occurrences(doc[first.key], rest, [...trail, { key: first.key }]);
}

/** The value wrapped in the mappings and lists of its path, from the top of the file. */
function nest(segments, trail, value) {
  let out = value;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (segment.item) {
      out = [isMapping(out) ? { ...identify(trail[i]?.item, out), ...out } : out];
    } else {
      const placeholder = segment.entry !== undefined ? `my-${segment.entry}` : segment.key;
      out = { [trail[i]?.key ?? placeholder]: out };
    }
  }
  return out;
}

/** The item's name or path, when the snippet shows one of its other keys. */
function identify(item, shown) {
  if (!isMapping(item) || !isMapping(shown)) return {};
  const key = IDENTIFYING.find((k) => item[k] !== undefined && shown[k] === undefined);
  return key === undefined ? {} : { [key]: item[key] };
}

function isMapping(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `gatewayd-duration-or-zero` → `duration`: the schema's format names carry a project prefix. */
function formatKind(format) {
  return format.replace(/^gatewayd-/, '').replace(/-or-zero$/, '');
}

function sampleOf(node, formats) {
  if (node.examples?.[0] !== undefined) return node.examples[0];
  if (node.default !== undefined) return node.default;
  if (node.enum !== undefined) return node.enum[0];
  if (node.const !== undefined) return node.const;
  const sample = node.format === undefined ? undefined : FORMAT_SAMPLES[formatKind(node.format)];
  if (sample !== undefined) return sample;
  if (formats[node.format] !== undefined) return undefined;
  if (node.type === 'boolean') return true;
  if (node.type === 'integer' || node.type === 'number') return node.minimum ?? 1;
  return undefined;
}
