import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../agents/runtime/index.js';
import { loadConfig } from './config.js';

// Tracing is configured like everything else: through each process's zod configuration, off when unset.
describe('tracing configuration', () => {
  it('is off by default in the orchestrator and the agents', () => {
    expect(loadConfig({}).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(
      loadAgentConfig({}, { name: 'sentiment', port: 9102 }).OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBeUndefined();
  });

  it('reads the OTLP endpoint and the service name', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'edge-1' };
    expect(loadConfig(env)).toMatchObject(env);
    expect(loadAgentConfig(env, { name: 'sentiment', port: 9102 })).toMatchObject(env);
  });

  it('refuses an endpoint that is not a URL, naming the variable', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' };
    expect(() => loadConfig(env)).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => loadAgentConfig(env, { name: 'sentiment', port: 9102 })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
