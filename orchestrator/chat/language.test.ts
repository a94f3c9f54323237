import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../testing/app.js';
import { detectLanguage, loadLanguageDetector, shopperLanguage } from './language.js';

beforeAll(loadLanguageDetector);

describe('shopperLanguage', () => {
  it('answers in the language of the text, whatever the page says', () => {
    expect(shopperLanguage({ text: "what's the delivery time?", locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'I forgot my password', locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'do you take Pix?', locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'qdo chega minha encomenda', locale: 'en' })).toBe('pt-BR');
    expect(shopperLanguage({ text: 'vcs entregam no sabado?', locale: 'en' })).toBe('pt-BR');
  });

  it('reads chat words too short for n-grams', () => {
    expect(detectLanguage('oi')).toBe('pt-BR');
    expect(detectLanguage('obg')).toBe('pt-BR');
    expect(detectLanguage('hi')).toBe('en');
    expect(detectLanguage('thanks a lot!')).toBe('en');
  });

  it('keeps the conversation’s language, or else the page’s, for a message too short to tell', () => {
    for (const text of ['ok', 'Pix?', '1042', '👍']) {
      expect(detectLanguage(text)).toBeUndefined();
      expect(shopperLanguage({ text, locale: 'pt-BR', previous: 'en' })).toBe('en');
      expect(shopperLanguage({ text, locale: 'en' })).toBe('en');
      expect(shopperLanguage({ text, locale: 'pt-BR' })).toBe('pt-BR');
    }
  });

  it('lets the locale the shopper chose with the switch win', () => {
    expect(shopperLanguage({ text: "what's the delivery time?", locale: 'pt-BR', forced: true })).toBe(
      'pt-BR',
    );
    expect(shopperLanguage({ text: 'qual o prazo?', locale: 'en', forced: true, previous: 'pt-BR' })).toBe(
      'en',
    );
  });
});

// POST /api/chat/messages in-process, without agents: every reply is the orchestrator's own apology
// (`agents_unavailable`), said in the language the route chose, which is all these tests need.
describe('the language of a reply', () => {
  let t: Awaited<ReturnType<typeof makeApp>>;
  let token: string;

  beforeAll(async () => {
    t = await makeApp();
    token = ((await (await t.post('/api/auth/guest', {})).json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  async function send(body: Record<string, unknown>) {
    const response = await t.post('/api/chat/messages', body, { token });
    expect(response.status).toBe(200);
    const stream = await response.text();
    const conversationId: string = JSON.parse(/data: (.*)/.exec(stream)?.[1] ?? '{}').conversationId;
    // The reply's words, read back with the detector itself: the test does not depend on the apology's wording.
    const said = [...stream.matchAll(/event: delta\ndata: (.*)/g)]
      .map((m) => (JSON.parse(m[1] ?? '{}') as { text?: string }).text ?? '')
      .join('');
    const language = detectLanguage(said) ?? '?';
    return { conversationId, language };
  }

  it('is the language of the text, not the page’s', async () => {
    expect((await send({ text: "what's the delivery time?", locale: 'pt-BR' })).language).toBe('en');
    expect((await send({ text: 'qual o prazo de entrega pra Recife?', locale: 'en' })).language).toBe(
      'pt-BR',
    );
  });

  it('stays the conversation’s for a message too short to tell, and is the page’s in a new one', async () => {
    const first = await send({ text: 'do you take Pix?', locale: 'pt-BR' });
    expect(first.language).toBe('en');
    const ok = await send({ text: 'ok', locale: 'pt-BR', conversationId: first.conversationId });
    expect(ok).toEqual({ conversationId: first.conversationId, language: 'en' });
    expect((await send({ text: 'ok', locale: 'pt-BR' })).language).toBe('pt-BR');
    expect((await send({ text: 'ok', locale: 'en' })).language).toBe('en');
  });

  it('is the locale the shopper forced with the switch, whatever the text', async () => {
    const forced = await send({ text: "what's the delivery time?", locale: 'pt-BR', localeForced: true });
    expect(forced.language).toBe('pt-BR');
    const next = await send({
      text: 'quanto custa o frete?',
      locale: 'en',
      localeForced: true,
      conversationId: forced.conversationId,
    });
    expect(next.language).toBe('en');
  });

  it('keeps the body strict', async () => {
    const response = await t.post('/api/chat/messages', { text: 'oi', localeForced: 'yes' }, { token });
    expect(response.status).toBe(400);
    const unknown = await t.post('/api/chat/messages', { text: 'oi', lang: 'en' }, { token });
    expect(unknown.status).toBe(400);
  });
});
