import { describe, expect, it } from 'vitest';
import { seededRandom, stratifiedFolds } from './folds.js';
import type { SentimentLabel } from './sentiment.js';

const LABELS: SentimentLabel[] = ['negative', 'neutral', 'positive'];
// 10 negative, 11 neutral, 12 positive: uneven on purpose.
const rows = LABELS.flatMap((label, l) =>
  Array.from({ length: 10 + l }, (_, i) => ({ id: `${label}-${String(i).padStart(2, '0')}`, label })),
);

describe('stratifiedFolds', () => {
  it('puts every row in exactly one of k folds, of sizes within one of each other', () => {
    const fold = stratifiedFolds(rows, { k: 4, seed: 7 });
    expect(fold).toHaveLength(rows.length);
    for (const f of fold) expect([0, 1, 2, 3]).toContain(f);
    const sizes = [0, 1, 2, 3].map((f) => fold.filter((x) => x === f).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('is stratified: each fold holds an equal share (±1) of every label', () => {
    const fold = stratifiedFolds(rows, { k: 4, seed: 7 });
    for (const label of LABELS) {
      const counts = [0, 1, 2, 3].map(
        (f) => rows.filter((r, i) => r.label === label && fold[i] === f).length,
      );
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: the same seed gives the same folds whatever the rows order, another seed others', () => {
    const a = stratifiedFolds(rows, { k: 3, seed: 42 });
    expect(stratifiedFolds(rows, { k: 3, seed: 42 })).toEqual(a);
    const reversed = [...rows].reverse();
    const b = stratifiedFolds(reversed, { k: 3, seed: 42 });
    const byId = (r: readonly { id: string }[], f: number[]) => new Map(r.map((row, i) => [row.id, f[i]]));
    expect(byId(reversed, b)).toEqual(byId(rows, a));
    expect(stratifiedFolds(rows, { k: 3, seed: 43 })).not.toEqual(a);
  });

  it('refuses a k below 2, not an integer, or above the number of rows', () => {
    expect(() => stratifiedFolds(rows, { k: 1, seed: 1 })).toThrow(RangeError);
    expect(() => stratifiedFolds(rows, { k: 2.5, seed: 1 })).toThrow(RangeError);
    expect(() => stratifiedFolds(rows.slice(0, 3), { k: 4, seed: 1 })).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
