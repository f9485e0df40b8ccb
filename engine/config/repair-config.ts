import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigPath } from './config-problem.js';
import { pointerToPath } from './describe-schema-error.js';
import { didYouMean } from './did-you-mean.js';
import { DraftPaths, isWithin } from './draft-paths.js';
import { placeholderFor } from './placeholder.js';
import { field } from './schema-field.js';

/** Each round mends every error it sees; a schema this shallow settles in a few. */
const MAX_ROUNDS = 32;

export interface Draft {
  /** Valid against the schema: the checks after it can run on it. */
  data: unknown;
  paths: DraftPaths;
}

interface Mend {
  path: ConfigPath;
  apply(): void;
}

/**
 * Turns a config that fails the schema into a draft that passes it, changing as little as it
 * can: a misspelt key becomes the key it is close to, any other unknown key goes, a missing or
 * wrong value becomes a placeholder of its type (as do `covered` values, whose variables are
 * unset), and what cannot be mended goes with the mapping or list item that holds it. Undefined
 * when even that fails.
 */
export function repairConfig(
  data: unknown,
  covered: readonly ConfigPath[],
  errorsOf: (data: unknown) => ErrorObject[],
  schema: unknown,
): Draft | undefined {
  const draft = structuredClone(data);
  const paths = new DraftPaths();
  for (const path of covered) paths.cover(path);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const errors = errorsOf(draft);
    if (errors.length === 0) return { data: draft, paths };
    const mends = errors
      .map((e) => mendFor(e, draft, paths, schema))
      .sort((a, b) => a.path.length - b.path.length);
    const done: ConfigPath[] = [];
    for (const mend of mends) {
      if (mend.path.length === 0) return undefined;
      // Mending an ancestor replaced or removed what lay below it.
      if (done.some((d) => isWithin(mend.path, d))) continue;
      mend.apply();
      done.push(mend.path);
    }
  }
  return undefined;
}

function mendFor(e: ErrorObject, draft: unknown, paths: DraftPaths, schema: unknown): Mend {
  const at = pointerToPath(e.instancePath, draft);
  const holder = nodeAt(draft, at);
  if (e.keyword === 'additionalProperties') {
    const key = String(e.params.additionalProperty);
    const known = Object.keys(objectOf(field(e.parentSchema, 'properties')));
    const close = didYouMean(key, known);
    const object = objectOf(holder);
    if (close !== undefined && !(close in object)) {
      return {
        path: [...at, key],
        apply: () => {
          object[close] = object[key];
          delete object[key];
          paths.cover([...at, close]);
        },
      };
    }
    return { path: [...at, key], apply: () => remove(draft, [...at, key], paths) };
  }
  if (e.keyword === 'propertyNames') {
    const key = String(e.params.propertyName);
    return { path: [...at, key], apply: () => remove(draft, [...at, key], paths) };
  }
  if (e.keyword === 'required') {
    const key = String(e.params.missingProperty);
    const path = [...at, key];
    // A required key the draft had to remove takes its mapping with it.
    if (paths.wasRemoved(path)) return { path: at, apply: () => remove(draft, at, paths) };
    const property = field(field(e.parentSchema, 'properties'), key);
    return {
      path,
      apply: () => {
        objectOf(holder)[key] = placeholderFor(property, schema);
        paths.place(path);
      },
    };
  }
  // A placeholder the schema still refuses (a union it did not settle) goes whole.
  const placed = paths.placedPrefix(at);
  if (placed !== undefined && nodeAt(draft, placed) !== undefined) {
    return { path: placed, apply: () => remove(draft, placed, paths) };
  }
  return {
    path: at,
    apply: () => {
      setAt(draft, at, placeholderFor(e.parentSchema, schema));
      paths.place(at);
    },
  };
}

/** Removes a key from its mapping or an item from its list. */
function remove(draft: unknown, path: ConfigPath, paths: DraftPaths): void {
  const parent = nodeAt(draft, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') {
    parent.splice(last, 1);
    paths.removedItem(path.slice(0, -1), last);
  } else {
    paths.removedKey(path);
    delete objectOf(parent)[String(last)];
  }
}

function nodeAt(root: unknown, path: ConfigPath): unknown {
  return path.reduce<unknown>((node, segment) => field(node, String(segment)), root);
}

function setAt(root: unknown, path: ConfigPath, value: unknown): void {
  const parent = nodeAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent[Number(last)] = value;
  else objectOf(parent)[String(last)] = value;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
