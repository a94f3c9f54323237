import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { testCard } from '../../agents/runtime/testing/fixtures.js';
import { AgentCallError, createDispatcher, type DispatchRequest } from './dispatch.js';
import { createServiceTokenMinter } from './service-tokens.js';
import { createSigningKeys } from './signing-keys.js';

async function setup(fetch: typeof globalThis.fetch) {
  const keys = await createSigningKeys();
  const dispatcher = createDispatcher({
    fetch,
    minter: createServiceTokenMinter({ keys, issuer: 'test', ttlSec: 60 }),
    logger: createLogger({ name: 'test', level: 'silent' }),
    firstEventTimeoutMs: 200,
    taskTimeoutMs: 1000,
    breakAfter: 2,
    halfOpenAfterMs: 60_000,
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
    correlationId: 'r1',
    scopes: ['test:echo'],
  };
  return { dispatcher, request };
}

async function outcomeOf(stream: AsyncGenerator<unknown>) {
  try {
    for await (const _ of stream) {
      // drain
    }
    return 'completed';
  } catch (error) {
    return error instanceof AgentCallError ? error.outcome : String(error);
  }
}

describe('dispatcher resilience', () => {
  it('retries a refused connection once, then opens the circuit so a dead agent costs nothing', async () => {
    let calls = 0;
    const refuse = (async () => {
      calls++;
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    }) as typeof fetch;
    const { dispatcher, request } = await setup(refuse);
    expect(await outcomeOf(dispatcher.stream(request))).toBe('unavailable');
    expect(calls).toBe(2);
    expect(await outcomeOf(dispatcher.stream(request))).toBe('unavailable');
    const before = calls;
    expect(await outcomeOf(dispatcher.stream(request))).toBe('unavailable');
    expect(calls).toBe(before);
  });

  it('sends nothing for a request already canceled before its task could start', async () => {
    let calls = 0;
    // Like a real fetch, it refuses at once a signal that is already aborted.
    const hang = ((_url: string, init?: RequestInit) => {
      calls++;
      if (init?.signal?.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
      return new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }) as typeof fetch;
    const { dispatcher, request } = await setup(hang);
    const stop = new AbortController();
    stop.abort();
    expect(await outcomeOf(dispatcher.stream({ ...request, signal: stop.signal }))).toBe('canceled');
    expect(calls).toBeLessThanOrEqual(1);
  });

  it('times out an agent that never sends a first event', async () => {
    const hang = ((_url: string, init?: RequestInit) =>
      new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )) as typeof fetch;
    const { dispatcher, request } = await setup(hang);
    const started = Date.now();
    expect(await outcomeOf(dispatcher.stream(request))).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
