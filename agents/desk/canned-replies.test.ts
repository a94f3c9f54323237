import { describe, expect, it } from 'vitest';
import { loadCannedReplies } from './canned-replies.js';

describe('canned replies', () => {
  it('finds FAQ entries ignoring case and accents, at most ten', async () => {
    const replies = await loadCannedReplies('agents/assistant/faq.json');
    const found = replies.search('PRAZO de ENTREGA');
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ id: 'delivery-time:pt-BR', title: 'Qual o prazo de entrega?' });
    expect(replies.search('dias uteis').some((r) => r.id === 'delivery-time:pt-BR')).toBe(true);
    expect(replies.search('').length).toBe(10);
    expect(replies.search('xyzzy')).toEqual([]);
  });
});
