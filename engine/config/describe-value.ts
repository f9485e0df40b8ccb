/** How a value found in the config reads in a message: 'a string ("8080")', 'a list'. */
export function describeValue(value: unknown): string {
  if (value === null) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number')
    return `${Number.isInteger(value) ? 'an integer' : 'a number'} (${value})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return `a string (${literal(value)})`;
}

/** A scalar as it reads in the file, shortened. */
export function literal(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
