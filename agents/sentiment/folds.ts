import { SENTIMENT_LABELS, type SentimentLabel } from './sentiment.js';

/** Deterministic 32-bit generator (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Assigns each row to one of `k` folds, stratified by label: within each label the rows are sorted by id, shuffled
 * with the seed and dealt round-robin, so every fold gets an equal share (±1) of every label. The result depends
 * only on the rows' ids, labels and the seed, not on their order. Returns the fold index (0..k-1) of each row.
 */
export function stratifiedFolds(
  rows: ReadonlyArray<{ id: string; label: SentimentLabel }>,
  options: { k: number; seed: number },
): number[] {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 2 || k > rows.length) {
    throw new RangeError(`k must be an integer from 2 to the number of rows (${rows.length}); got ${k}`);
  }
  const random = seededRandom(seed);
  const fold: number[] = new Array(rows.length).fill(-1);
  let next = 0;
  for (const label of SENTIMENT_LABELS) {
    const members = rows
      .map((row, index) => ({ id: row.id, index, label: row.label }))
      .filter((r) => r.label === label)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index));
    // Fisher–Yates with the seeded generator.
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [
        members[j] as (typeof members)[number],
        members[i] as (typeof members)[number],
      ];
    }
    // Dealing continues where the previous label stopped, so the folds' sizes differ by at most one.
    for (const member of members) {
      fold[member.index] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}
