const MAX_SUGGESTIBLE_LENGTH = 64;

/**
 * Suggests the candidate the user most likely meant, or undefined when nothing is close.
 * Tries, in order: a case-insensitive match, a known synonym, the nearest candidate by edit
 * distance (transpositions count as one edit), and a candidate the input starts with
 * (`environment` → `env`).
 */
export function didYouMean(
  input: string,
  candidates: Iterable<string>,
  synonyms: Readonly<Record<string, string>> = {},
): string | undefined {
  const lower = input.toLowerCase();
  const list = [...candidates];
  const caseless = list.find((c) => c.toLowerCase() === lower);
  if (caseless !== undefined) return caseless;
  if (Object.hasOwn(synonyms, lower)) return synonyms[lower];

  // Nothing sensible is that long; skipping keeps hostile input from costing O(n·m) per candidate.
  if (input.length > MAX_SUGGESTIBLE_LENGTH) return undefined;
  // A third of the input may be wrong: `flgs` → `flag`, but `env` is not a typo of `proj`.
  const budget = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of list) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  return list.find((c) => c.length >= 3 && lower.startsWith(c.toLowerCase()));
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
