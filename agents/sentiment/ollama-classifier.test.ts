import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLexiconClassifier } from './lexicon.js';
import { createOllamaClassifier } from './ollama-classifier.js';

const CHAT_URL = 'http://127.0.0.1:11434/api/chat';
const server = setupServer();
const requests: any[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  requests.length = 0;
});
afterAll(() => server.close());

function chatAnswer(content: string) {
  return HttpResponse.json({
    model: 'llama3.2',
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
  });
}

function classifier(timeoutMs = 1_000) {
  return createOllamaClassifier({
    host: 'http://127.0.0.1:11434',
    model: 'llama3.2',
    timeoutMs,
    fallback: createLexiconClassifier(),
  });
}

describe('createOllamaClassifier', () => {
  it('uses a valid structured answer and sends a non-streaming chat with a JSON schema format', async () => {
    server.use(
      http.post(CHAT_URL, async ({ request }) => {
        requests.push(await request.json());
        return chatAnswer('{"label":"negative","confidence":0.92}');
      }),
    );
    const result = await classifier().classify('Ótimo, mais um atraso', { locale: 'pt-BR' });
    expect(result).toEqual({
      label: 'negative',
      confidence: 0.92,
      scores: { negative: 0.92, neutral: expect.closeTo(0.04, 5), positive: expect.closeTo(0.04, 5) },
      locale: 'pt-BR',
      method: 'ollama',
    });
    const body = requests[0];
    expect(body.model).toBe('llama3.2');
    expect(body.stream).toBe(false);
    expect(body.format.properties.label.enum).toEqual(['negative', 'neutral', 'positive']);
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'Ótimo, mais um atraso' });
  });

  it('falls back to the lexicon on a 500', async () => {
    server.use(http.post(CHAT_URL, () => HttpResponse.json({ error: 'model not found' }, { status: 500 })));
    const result = await classifier().classify('Péssimo, nunca chegou');
    expect(result.method).toBe('lexicon');
    expect(result.label).toBe('negative');
  });

  it('falls back to the lexicon after the timeout when the model hangs', async () => {
    server.use(
      http.post(CHAT_URL, async () => {
        await delay('infinite');
        return chatAnswer('{}');
      }),
    );
    const started = Date.now();
    const result = await classifier(150).classify('Amei, chegou antes do prazo!');
    expect(result.method).toBe('lexicon');
    expect(result.label).toBe('positive');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('falls back to the lexicon on invalid JSON or an answer outside the schema', async () => {
    server.use(http.post(CHAT_URL, () => chatAnswer('negative, I think')));
    expect((await classifier().classify('qual o prazo?')).method).toBe('lexicon');
    server.use(http.post(CHAT_URL, () => chatAnswer('{"label":"angry","confidence":2}')));
    expect((await classifier().classify('qual o prazo?')).method).toBe('lexicon');
    server.use(http.post(CHAT_URL, () => new HttpResponse('not json at all', { status: 200 })));
    expect((await classifier().classify('qual o prazo?')).method).toBe('lexicon');
  });

  it('falls back when the server is unreachable', async () => {
    server.use(http.post(CHAT_URL, () => HttpResponse.error()));
    expect((await classifier().classify('Where is my order?')).method).toBe('lexicon');
  });
});
