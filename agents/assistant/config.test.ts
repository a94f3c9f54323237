import { describe, expect, it } from 'vitest';
import { loadAssistantConfig } from './config.js';

describe('loadAssistantConfig', () => {
  it('has a model only when both a key and a model name are set', () => {
    expect(loadAssistantConfig({}).model).toBeUndefined();
    expect(loadAssistantConfig({ OPENAI_API_KEY: 'k', OPENAI_MODEL: 'm' }).model).toEqual({
      baseURL: undefined,
      apiKey: 'k',
      model: 'm',
      timeoutMs: 4_000,
    });
  });

  it('fails with one error listing every bad variable', () => {
    expect(() => loadAssistantConfig({ OPENAI_BASE_URL: 'not a url', OPENAI_TIMEOUT_MS: '-1' })).toThrow(
      /^invalid assistant configuration:\n[\s\S]*OPENAI_BASE_URL[\s\S]*OPENAI_TIMEOUT_MS|^invalid assistant configuration:\n[\s\S]*OPENAI_TIMEOUT_MS[\s\S]*OPENAI_BASE_URL/,
    );
  });
});
