import { describe, expect, it } from 'vitest';
import { offerReason } from './offer.js';

const signals = (over: Partial<Parameters<typeof offerReason>[0]> = {}) => ({
  lowConfidence: false,
  negative: false,
  failed: false,
  previousLowConfidence: async () => false,
  ...over,
});

describe('when to offer a person', () => {
  it('offers nothing after a good answer, even to an unhappy shopper', async () => {
    expect(await offerReason(signals({ negative: true }))).toBeUndefined();
  });

  it('waits for a second unsure answer in a row before offering', async () => {
    expect(await offerReason(signals({ lowConfidence: true }))).toBeUndefined();
    expect(await offerReason(signals({ lowConfidence: true, previousLowConfidence: async () => true }))).toBe(
      'low_confidence',
    );
  });

  it('offers at once to a negative shopper the answer missed, and whenever an agent failed', async () => {
    expect(await offerReason(signals({ lowConfidence: true, negative: true }))).toBe('negative_sentiment');
    expect(await offerReason(signals({ failed: true }))).toBe('agent_failed');
  });

  it('does not look at the previous answer unless this one was unsure', async () => {
    let asked = false;
    const previousLowConfidence = async () => {
      asked = true;
      return true;
    };
    await offerReason(signals({ previousLowConfidence }));
    expect(asked).toBe(false);
  });
});
