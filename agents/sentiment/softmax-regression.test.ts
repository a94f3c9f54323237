import { describe, expect, it } from 'vitest';
import { fitSoftmax, predictProbabilities, softmax } from './softmax-regression.js';

// Three classes along one axis (low, middle, high), plus a constant input that must not break the fit.
const x = [-3, -2.5, -2, -0.3, 0, 0.3, 2, 2.5, 3].map((v) => [v * 10, 1]);
const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];

describe('fitSoftmax', () => {
  it('separates ordered classes, including the middle one, on raw (unstandardised) inputs', () => {
    const model = fitSoftmax(['v', 'constant'], x, y, { classes: 3 });
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    expect(x.map((row) => argmax(predictProbabilities(model, row)))).toEqual(y);
    expect(model.weights.every((row) => Number.isFinite(row[1]) && Math.abs(row[1] as number) < 1e-9)).toBe(
      true,
    );
  });

  it('is deterministic and returns probabilities that sum to 1', () => {
    const a = fitSoftmax(['v', 'constant'], x, y, { classes: 3 });
    expect(fitSoftmax(['v', 'constant'], x, y, { classes: 3 })).toEqual(a);
    const p = predictProbabilities(a, [5, 1]);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
  });

  it('refuses mismatched labels', () => {
    expect(() => fitSoftmax(['v'], [[1]], [], { classes: 3 })).toThrow(RangeError);
  });
});

describe('softmax', () => {
  it('is stable for large logits', () => {
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });
});
