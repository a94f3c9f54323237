import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIChatModel, groundedPrompt } from './chat-model.js';
import type { FaqEntry } from './knowledge-base.js';

const baseURL = 'http://openai.test/v1';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function sse(tokens: string[]): HttpResponse<ReadableStream> {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const content of [...tokens, null]) {
        const chunk = {
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'test-model',
          choices: [
            { index: 0, delta: content === null ? {} : { content }, finish_reason: content ? null : 'stop' },
          ],
        };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
      }
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
}

const entry = (id: string, pt: string, en: string): FaqEntry => ({
  id,
  topic: 'test',
  question: { pt: `${pt}?`, en: `${en}?` },
  answer: { pt: `${pt}.`, en: `${en}.` },
  keywords: { pt: [], en: [] },
  paraphrases: { pt: [], en: [] },
});

describe('createOpenAIChatModel', () => {
  it('streams content deltas token by token and sends model, key and messages', async () => {
    let body: unknown;
    let auth: string | null = null;
    server.use(
      http.post(`${baseURL}/chat/completions`, async ({ request }) => {
        body = await request.json();
        auth = request.headers.get('authorization');
        return sse(['Olá', ',', ' tudo', ' bem?']);
      }),
    );
    const model = createOpenAIChatModel({ baseURL, apiKey: 'sk-test', model: 'test-model', timeoutMs: 5000 });
    const tokens: string[] = [];
    for await (const token of model.stream({ system: 'sys', user: 'oi' })) tokens.push(token);
    expect(tokens).toEqual(['Olá', ',', ' tudo', ' bem?']);
    expect(auth).toBe('Bearer sk-test');
    expect(body).toMatchObject({
      model: 'test-model',
      stream: true,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'oi' },
      ],
    });
  });

  it('rejects on a server error without retrying', async () => {
    let calls = 0;
    server.use(
      http.post(`${baseURL}/chat/completions`, () => {
        calls += 1;
        return HttpResponse.json({ error: { message: 'boom' } }, { status: 500 });
      }),
    );
    const model = createOpenAIChatModel({ baseURL, apiKey: 'sk-test', model: 'm', timeoutMs: 5000 });
    await expect(async () => {
      for await (const _ of model.stream({ system: 's', user: 'u' })) {
        // drain
      }
    }).rejects.toThrow();
    expect(calls).toBe(1);
  });
});

describe('groundedPrompt', () => {
  it('contains only the given entries, in the locale, and asks for their ids', () => {
    const { system, user } = groundedPrompt({
      question: 'Qual o prazo?',
      entries: [entry('delivery-time', 'Prazo de entrega', 'Delivery time')],
      locale: 'pt-BR',
    });
    expect(user).toBe('Qual o prazo?');
    expect(system).toContain('[delivery-time]');
    expect(system).toContain('A: Prazo de entrega.');
    expect(system).not.toContain('Delivery time');
    expect(system).toMatch(/ONLY/);
    expect(system).toContain('Fontes: [id]');
    expect(system).toContain('Brazilian Portuguese');
    expect(system).not.toMatch(/upset/);
  });

  it('writes in English and softens the tone for upset shoppers', () => {
    const { system } = groundedPrompt({
      question: 'Where is it?',
      entries: [entry('order-tracking', 'Rastreio', 'Tracking')],
      locale: 'en',
      tone: 'negative',
    });
    expect(system).toContain('A: Tracking.');
    expect(system).toContain('Sources: [id]');
    expect(system).toMatch(/upset/);
  });
});
