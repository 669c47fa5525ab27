/** "Did you mean ...?" for a mistyped command, option or key. */

/** Edit distance (insertions, deletions, substitutions, and a swap of two neighbours counted as one). */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  const first = rows[0];
  if (first) for (let j = 0; j <= b.length; j++) first[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    const prev = rows[i - 1] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row[j] = d;
    }
  }
  return rows[a.length]?.[b.length] ?? Infinity;
}

/**
 * The choice `word` was most likely meant to be: within 2 edits (1 for words
 * of up to 4 letters), else undefined. Only short words are compared, so a
 * hostile argument costs nothing.
 */
function closest(word: string, choices: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const w = word.toLowerCase();
  const limit = w.length <= 4 ? 1 : 2;
  let best: { choice: string; d: number } | undefined;
  for (const choice of choices) {
    const d = distance(w, choice.toLowerCase());
    if (d > 0 && d <= limit && (!best || d < best.d)) best = { choice, d };
  }
  return best?.choice;
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(word: string, choices: readonly string[]): string {
  const c = closest(word, choices);
  return c === undefined ? '' : ` (did you mean ${JSON.stringify(c)}?)`;
}
