import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './config.js';

describe('loadAgentConfig', () => {
  it('fills in the defaults and derives the public URL', () => {
    const config = loadAgentConfig({}, { name: 'orders', port: 9103 });
    expect(config).toMatchObject({ name: 'orders', PORT: 9103, publicUrl: 'https://localhost:9103' });
    expect(config.TRUSTED_CALLERS).toEqual(['orchestrator']);
  });

  it('reads the trusted callers as a comma-separated list and refuses an empty one', () => {
    const config = loadAgentConfig({ TRUSTED_CALLERS: ' orchestrator, assistant ,' }, { name: 'x', port: 1 });
    expect(config.TRUSTED_CALLERS).toEqual(['orchestrator', 'assistant']);
    expect(() => loadAgentConfig({ TRUSTED_CALLERS: ' , ' }, { name: 'x', port: 1 })).toThrow(
      /TRUSTED_CALLERS/,
    );
  });

  it('fails with one error naming the agent and every bad variable', () => {
    const load = () =>
      loadAgentConfig({ PORT: 'eighty', ORCHESTRATOR_JWKS_URL: 'not a url' }, { name: 'orders', port: 9103 });
    expect(load).toThrow(/^invalid configuration for agent "orders":\n/);
    expect(load).toThrow(/→ at PORT/);
    expect(load).toThrow(/→ at ORCHESTRATOR_JWKS_URL/);
  });
});
