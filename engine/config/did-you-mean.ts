/**
 * The candidate closest to `word`, when close enough to be a typo of it (case is ignored).
 * At most 2 edits, fewer for short words: "upstrem" finds "upstream", "health-service" does not
 * find "auth-service".
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(2, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean "x"?` when one candidate is close, else `<label>: a, b, c`. */
export function suggestionHint(word: string, candidates: readonly string[], label: string): string {
  const close = didYouMean(word, candidates);
  return close !== undefined ? `did you mean "${close}"?` : `${label}: ${candidates.join(', ')}`;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
