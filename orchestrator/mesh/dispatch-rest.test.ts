import { AgentCard } from '@a2a-js/sdk';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentApp,
  createLogger,
  createMtlsFetch,
  createTokenVerifier,
  type MtlsFetch,
  type RunningServer,
  startAgentServer,
} from '../../agents/runtime/index.js';
import { createTestPki, echoExecutor, testCard } from '../../agents/runtime/testing/fixtures.js';
import { freePort } from '../testing/harness.js';
import { createAgentDirectory } from './agent-directory.js';
import { type AgentBinding, createDispatcher, type DispatchRequest } from './dispatch.js';
import { createServiceTokenMinter } from './service-tokens.js';
import { createSigningKeys, type SigningKeys } from './signing-keys.js';

// AGENT_BINDING: the orchestrator's dispatcher calls a real agent over mTLS on either binding.

const logger = createLogger({ name: 'test', level: 'silent' });
let keys: SigningKeys;
let agent: RunningServer;
let mesh: MtlsFetch;
let card: AgentCard;
let base: string;

function withRest(origin: string, restOrigin = origin) {
  const c = testCard(`${origin}/a2a`);
  c.supportedInterfaces.push({
    url: `${restOrigin}/rest`,
    protocolBinding: 'HTTP+JSON',
    protocolVersion: '1.0',
    tenant: '',
  });
  return c;
}

beforeAll(async () => {
  const pki = await createTestPki();
  keys = await createSigningKeys();
  const port = await freePort();
  base = `https://localhost:${port}`;
  card = withRest(base);
  agent = await startAgentServer({
    app: createAgentApp({
      card,
      executor: echoExecutor(),
      verifier: createTokenVerifier({
        keys: createLocalJWKSet(keys.jwks),
        issuer: 'atende-orchestrator',
        audience: `${base}/a2a`,
      }),
      logger,
    }),
    tls: await pki.tls('testagent'),
    port,
    host: '127.0.0.1',
  });
  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
}, 60_000);

afterAll(async () => {
  await mesh?.close();
  await agent?.close();
});

async function dispatchOver(binding: AgentBinding | undefined) {
  const paths: string[] = [];
  const recording = ((url: string, init?: RequestInit) => {
    paths.push(new URL(url).pathname);
    return mesh.fetch(url, init);
  }) as typeof fetch;
  const dispatcher = createDispatcher({
    fetch: recording,
    minter: createServiceTokenMinter({ keys, issuer: 'atende-orchestrator', ttlSec: 60 }),
    logger,
    firstEventTimeoutMs: 5_000,
    taskTimeoutMs: 10_000,
    binding,
  });
  const request: DispatchRequest = {
    target: { agent: { baseUrl: base, card, rpcUrl: `${base}/a2a`, state: 'up' }, skill: card.skills[0]! },
    text: 'one two three',
    contextId: '',
    locale: 'en',
    subject: 'customer-1',
    role: 'customer',
    correlationId: 'req-1',
    scopes: ['test:echo'],
  };
  const kinds: string[] = [];
  let text = '';
  for await (const update of dispatcher.stream(request)) {
    kinds.push(update.kind);
    if (update.kind === 'text') text += update.text;
  }
  return { paths, kinds, text };
}

describe('AGENT_BINDING', () => {
  it('http+json: the task goes to the agent’s /rest/message:stream and completes', async () => {
    const { paths, kinds, text } = await dispatchOver('http+json');
    expect(paths).toEqual(['/rest/message:stream']);
    expect(text).toBe('one two three');
    expect(kinds.at(-1)).toBe('completed');
  });

  it('jsonrpc (the default): the same task goes to /a2a', async () => {
    const { paths, text } = await dispatchOver(undefined);
    expect(paths).toEqual(['/a2a']);
    expect(text).toBe('one two three');
  });

  it('http+json falls back to JSON-RPC for an agent whose card declares no HTTP+JSON interface', async () => {
    const only = testCard(`${base}/a2a`);
    const dispatcher = createDispatcher({
      fetch: mesh.fetch,
      minter: createServiceTokenMinter({ keys, issuer: 'atende-orchestrator', ttlSec: 60 }),
      logger,
      firstEventTimeoutMs: 5_000,
      taskTimeoutMs: 10_000,
      binding: 'http+json',
    });
    let text = '';
    for await (const update of dispatcher.stream({
      target: {
        agent: { baseUrl: base, card: only, rpcUrl: `${base}/a2a`, state: 'up' },
        skill: only.skills[0]!,
      },
      text: 'four five',
      contextId: '',
      locale: 'en',
      subject: 'customer-1',
      role: 'customer',
      correlationId: 'req-2',
      scopes: ['test:echo'],
    })) {
      if (update.kind === 'text') text += update.text;
    }
    expect(text).toBe('four five');
  });
});

describe('agent directory and the HTTP+JSON interface', () => {
  const serving = (json: unknown) =>
    (async () =>
      new Response(JSON.stringify(json), {
        headers: { 'content-type': 'application/json' },
      })) as unknown as typeof fetch;

  it('takes a card whose HTTP+JSON interface is on the agent’s origin', async () => {
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test'],
      fetch: serving(AgentCard.toJSON(withRest('https://a.test'))),
      logger,
    });
    await directory.refresh();
    expect(directory.list()[0]?.state).toBe('up');
  });

  it('refuses a card whose HTTP+JSON interface is served elsewhere', async () => {
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test'],
      fetch: serving(AgentCard.toJSON(withRest('https://a.test', 'https://evil.test'))),
      logger,
    });
    await directory.refresh();
    expect(directory.list()[0]?.state).toBe('invalid');
    expect(directory.list()[0]?.lastError).toMatch(/HTTP\+JSON interface https:\/\/evil\.test\/rest/);
  });
});
