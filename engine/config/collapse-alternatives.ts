import type { ErrorObject } from 'ajv/dist/2020.js';

/**
 * ajv reports every failing branch of a oneOf/anyOf, then the oneOf itself. Keep only the branch
 * the value was meant for (the one whose `type` it has, fewest errors first); when it has none of
 * the branches' types, report one type error naming them all.
 * Branches are expected inline: errors inside a branch's $ref carry the target's schemaPath.
 */
export function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  let result = [...errors];
  for (const alternative of errors) {
    if (alternative.keyword !== 'oneOf' && alternative.keyword !== 'anyOf') continue;
    const prefix = `${alternative.schemaPath}/`;
    const within = (e: ErrorObject): boolean =>
      e.schemaPath.startsWith(prefix) &&
      (e.instancePath === alternative.instancePath ||
        e.instancePath.startsWith(`${alternative.instancePath}/`));
    const branches = new Map<string, ErrorObject[]>();
    for (const e of result) {
      if (!within(e)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    // No failing branch: the value matched several branches of a oneOf; leave that error alone.
    if (branches.size === 0) continue;
    const typed = [...branches]
      .filter(([branch, errs]) => !errs.some((e) => e.schemaPath === `${prefix}${branch}/type`))
      .map(([, errs]) => errs)
      .sort((a, b) => a.length - b.length);
    const kept = typed[0] ?? [typeErrorFor(alternative)];
    result = result.filter((e) => e !== alternative && !within(e)).concat(kept);
  }
  return result;
}

/** A type error listing the types of every branch, with the oneOf's schema for its description. */
function typeErrorFor(alternative: ErrorObject): ErrorObject {
  const branches: unknown[] = Array.isArray(alternative.schema) ? alternative.schema : [];
  const types = branches.flatMap((b) =>
    typeof b === 'object' && b !== null && 'type' in b ? [b.type].flat() : [],
  );
  return {
    ...alternative,
    keyword: 'type',
    params: { type: [...new Set(types)] },
    message: `must be ${types.join(' or ')}`,
  };
}
