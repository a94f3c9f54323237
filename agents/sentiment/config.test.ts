import { describe, expect, it } from 'vitest';
import { loadSentimentConfig } from './config.js';

describe('loadSentimentConfig', () => {
  it('leaves Ollama off without OLLAMA_HOST, also when it is empty', () => {
    expect(loadSentimentConfig({}).ollama).toBeUndefined();
    expect(loadSentimentConfig({ OLLAMA_HOST: '' }).ollama).toBeUndefined();
  });

  it('reads host, model and timeout with defaults', () => {
    expect(loadSentimentConfig({ OLLAMA_HOST: 'http://127.0.0.1:11434' }).ollama).toEqual({
      host: 'http://127.0.0.1:11434',
      model: 'llama3.2',
      timeoutMs: 1_500,
    });
    expect(
      loadSentimentConfig({
        OLLAMA_HOST: 'http://ollama:11434',
        OLLAMA_MODEL: 'qwen2.5',
        OLLAMA_TIMEOUT_MS: '800',
      }).ollama,
    ).toEqual({ host: 'http://ollama:11434', model: 'qwen2.5', timeoutMs: 800 });
  });

  it('fails with one clear message on bad values', () => {
    expect(() => loadSentimentConfig({ OLLAMA_HOST: 'not a url', OLLAMA_TIMEOUT_MS: '-1' })).toThrow(
      /OLLAMA_HOST[\s\S]*OLLAMA_TIMEOUT_MS|OLLAMA_TIMEOUT_MS[\s\S]*OLLAMA_HOST/,
    );
  });
});
