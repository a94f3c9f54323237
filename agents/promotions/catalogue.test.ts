import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDemoCatalogue, loadOffersFile } from './catalogue.js';
import { demoOffers } from './demo-offers.js';

const NOW = new Date('2025-03-10T15:00:00Z');

describe('catalogues', () => {
  it('the demo catalogue lists the demo offers at the clock’s time', async () => {
    expect(await createDemoCatalogue({ now: () => NOW }).listOffers()).toEqual(demoOffers(NOW));
  });

  it('loads a shop’s offers file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-offers-'));
    const path = join(dir, 'offers.json');
    await writeFile(path, JSON.stringify(demoOffers(NOW)));
    expect(await (await loadOffersFile(path)).listOffers()).toEqual(demoOffers(NOW));
  });

  it('refuses an invalid offers file, naming the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-offers-'));
    const path = join(dir, 'offers.json');
    await writeFile(
      path,
      JSON.stringify([{ ...demoOffers(NOW)[0], discount: { type: 'percent', value: 150 } }]),
    );
    await expect(loadOffersFile(path)).rejects.toThrow(/\[0\]\.discount\.value/);
    await expect(loadOffersFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the offers file/);
  });
});
