import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CORRELATION_ATTRIBUTE,
  createLogger,
  startTracing,
  type Tracing,
  withSpan,
} from '../../agents/runtime/index.js';
import { testCard } from '../../agents/runtime/testing/fixtures.js';
import { AgentCallError, createDispatcher, type DispatchRequest } from './dispatch.js';
import { createServiceTokenMinter } from './service-tokens.js';
import { createSigningKeys } from './signing-keys.js';

// What the dispatcher puts on the wire: the A2A call's headers, with tracing off and on. The agent answers 503, so
// each task fails fast after one call (the headers are what matter here).
async function headersOfOneCall(): Promise<{ headers: Headers; outcome: string }> {
  let seen: Headers | undefined;
  const fetch = (async (_input: unknown, init?: RequestInit) => {
    seen = new Headers(init?.headers);
    return new Response('unavailable', { status: 503 });
  }) as typeof globalThis.fetch;
  const keys = await createSigningKeys();
  const dispatcher = createDispatcher({
    fetch,
    minter: createServiceTokenMinter({ keys, issuer: 'test', ttlSec: 60 }),
    logger: createLogger({ name: 'test', level: 'silent' }),
    firstEventTimeoutMs: 1_000,
    taskTimeoutMs: 2_000,
  });
  const card = testCard('https://agent.test/a2a');
  const request: DispatchRequest = {
    target: {
      agent: { baseUrl: 'https://agent.test', card, rpcUrl: 'https://agent.test/a2a', state: 'up' },
      skill: card.skills[0]!,
    },
    text: 'hello',
    contextId: 'c1',
    locale: 'en',
    subject: 's1',
    role: 'customer',
    correlationId: 'cid-dispatch',
    scopes: ['test:echo'],
  };
  let outcome = 'completed';
  try {
    for await (const _ of dispatcher.stream(request)) {
      // drain
    }
  } catch (error) {
    outcome = error instanceof AgentCallError ? error.outcome : String(error);
  }
  if (!seen) throw new Error('the dispatcher made no call');
  return { headers: seen, outcome };
}

let tracing: Tracing | undefined;
afterAll(async () => {
  await tracing?.shutdown();
});

describe('the A2A call and tracing', () => {
  it('carries no trace header while tracing is off', async () => {
    const { headers, outcome } = await withSpan('chat.dispatch', () => headersOfOneCall());
    expect(outcome).not.toBe('completed');
    expect(headers.get('x-request-id')).toBe('cid-dispatch');
    expect(headers.get('authorization')).toMatch(/^Bearer /);
    expect(headers.get('traceparent')).toBeNull();
    expect(headers.get('tracestate')).toBeNull();
  });

  it("carries the task span's traceparent while tracing is on, under the active span", async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ serviceName: 'orchestrator', exporter });
    const { headers, outcome } = await withSpan('chat.dispatch', () => headersOfOneCall(), {
      correlationId: 'cid-dispatch',
    });
    const spans = exporter.getFinishedSpans();
    const task = spans.find((s) => s.name === 'a2a Test Agent');
    const parent = spans.find((s) => s.name === 'chat.dispatch');
    expect(task).toBeDefined();
    expect(headers.get('traceparent')).toBe(
      `00-${task?.spanContext().traceId}-${task?.spanContext().spanId}-01`,
    );
    expect(task?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(task?.attributes).toMatchObject({
      'atende.agent': 'Test Agent',
      'atende.outcome': outcome,
      [CORRELATION_ATTRIBUTE]: 'cid-dispatch',
    });
    expect(task?.status.code).toBe(2);
  });
});
