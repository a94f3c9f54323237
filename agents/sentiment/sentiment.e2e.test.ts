import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/logger.js';
import { serveAgent } from '../runtime/testing/served-agent.js';
import { createSentimentClassifier } from './classifier.js';
import { loadSentimentConfig } from './config.js';
import { createSentimentExecutor } from './executor.js';

// The sentiment agent as it runs, on a real mTLS socket and reached with the SDK's client, once with a local model
// (Ollama's HTTP API mocked with msw: the only thing not real here) and once with the embedded classifier.
const OLLAMA = 'http://127.0.0.1:11434';
const ollama = setupServer();
const caller = {
  subject: `guest:${randomUUID()}`,
  role: 'guest',
  skill: 'classify-sentiment',
  scopes: ['sentiment:classify'],
};
const logger = createLogger({ name: 'sentiment', level: 'silent' });
const serve = (env: Record<string, string>) =>
  serveAgent({
    cardName: 'sentiment',
    executor: createSentimentExecutor({
      classifier: createSentimentClassifier({ config: loadSentimentConfig(env), logger }),
      logger,
    }),
  });
let withModel: Awaited<ReturnType<typeof serveAgent>>;
let embedded: Awaited<ReturnType<typeof serveAgent>>;

beforeAll(async () => {
  // The mesh's own calls go through undici's mTLS client, which msw does not see; only Ollama's fetch is mocked.
  ollama.listen({ onUnhandledRequest: 'bypass' });
  withModel = await serve({ OLLAMA_HOST: OLLAMA, OLLAMA_MODEL: 'llama3.2', OLLAMA_TIMEOUT_MS: '500' });
  embedded = await serve({});
});
afterEach(() => ollama.resetHandlers());
afterAll(async () => {
  ollama.close();
  await withModel?.close();
  await embedded?.close();
});

describe('sentiment agent end to end', () => {
  it('asks the local model and passes its structured answer on', async () => {
    const asked: any[] = [];
    ollama.use(
      http.post(`${OLLAMA}/api/chat`, async ({ request }) => {
        asked.push(await request.json());
        return HttpResponse.json({
          model: 'llama3.2',
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content: '{"label":"negative","confidence":0.88}' },
          done: true,
        });
      }),
    );
    const result = await withModel.ask('Ótimo, mais um atraso. Parabéns pela eficiência.', caller);
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.data).toEqual([
      expect.objectContaining({ kind: 'sentiment', label: 'negative', confidence: 0.88, method: 'ollama' }),
    ]);
    expect(asked[0].messages.at(-1).content).toBe('Ótimo, mais um atraso. Parabéns pela eficiência.');
    expect(result.text).toBe('');
  });

  it('falls back to the embedded classifier when the model fails, and still completes', async () => {
    ollama.use(http.post(`${OLLAMA}/api/chat`, () => new HttpResponse('model not loaded', { status: 500 })));
    const result = await withModel.ask('Amei, chegou antes do prazo!', caller);
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.data[0]).toMatchObject({ kind: 'sentiment', label: 'positive', method: 'lexicon' });
  });

  it('classifies with the embedded lexicon when no model is configured, in both languages', async () => {
    const pt = await embedded.ask('Produto veio quebrado e ninguém responde, péssimo', caller);
    expect(pt.data[0]).toMatchObject({ kind: 'sentiment', label: 'negative', method: 'lexicon' });
    const en = await embedded.ask('Great service, thank you so much!', { ...caller, locale: 'en' });
    expect(en.data[0]).toMatchObject({
      kind: 'sentiment',
      label: 'positive',
      locale: 'en',
      method: 'lexicon',
    });
  });

  it('refuses a token without the sentiment scope', async () => {
    await expect(embedded.ask('oi', { ...caller, scopes: [] })).rejects.toThrow(/scope|403|forbidden/i);
  });
});
