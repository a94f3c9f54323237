import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeApp } from '../testing/app.js';
import { politeText } from './messages.js';

// The detector's database is loaded with a dynamic import; here that import fails, as a broken install would.
vi.mock('eld/small', () => {
  throw new Error('eld is not installed');
});

describe('a language detector that cannot load', () => {
  let t: Awaited<ReturnType<typeof makeApp>>;
  let token: string;

  beforeAll(async () => {
    t = await makeApp();
    token = ((await (await t.post('/api/auth/guest', {})).json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  it('leaves the page’s language: the message is answered, not refused', async () => {
    for (const [text, locale] of [
      ["what's the delivery time?", 'pt-BR'],
      ['qual o prazo de entrega?', 'en'],
    ] as const) {
      const response = await t.post('/api/chat/messages', { text, locale }, { token });
      expect(response.status).toBe(200);
      const said = [...(await response.text()).matchAll(/event: delta\ndata: (.*)/g)]
        .map((m) => (JSON.parse(m[1] ?? '{}') as { text?: string }).text ?? '')
        .join('');
      // Without agents the reply is the orchestrator's own apology, in the language the route chose.
      expect(said).toBe(politeText('unavailable', locale));
    }
  });
});
