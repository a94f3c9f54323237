import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_SEC, estimateWaitSec, median } from './estimate.js';

describe('wait estimate', () => {
  it('takes the median of recent waits', () => {
    expect(median([])).toBeUndefined();
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
  });

  it('assumes two minutes per person ahead without history', () => {
    expect(estimateWaitSec({ position: 1, onlineOperators: 1, recentWaitsSec: [] })).toBe(DEFAULT_WAIT_SEC);
    expect(estimateWaitSec({ position: 2, onlineOperators: 0, recentWaitsSec: [] })).toBe(240);
  });

  it('shares the queue among the online operators', () => {
    expect(estimateWaitSec({ position: 3, onlineOperators: 2, recentWaitsSec: [60, 90, 600] })).toBe(135);
  });
});
